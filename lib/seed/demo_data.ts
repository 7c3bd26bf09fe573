/**
 * The demo's data: the wireframes' org, customer, orders and shipments (INT-007, January
 * 2026), plus enough delivered history that Quick Stats read as in the wireframe
 * (Active 5, In Transit 2, Delivered 23) and the order list has a second page.
 */
import type { OrderInput, OrgInput, ShipmentInput } from "@/lib/orders/input.ts";
import type { TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";

export const DEMO_ORG: OrgInput = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.com",
  support_phone: "(555) 123-4567",
};

export const DEMO_CUSTOMER = {
  ref: "CUST-RS-2026-045",
  name: "Retail Store Co.",
  email: "ops@retailstore.example",
  locale: "en" as const,
};

const ADDRESS = "Retail Store Co., 456 Commerce St, City, ZIP";

type Line = OrderInput["lines"][number];
const line = (
  item_code: string,
  description: string,
  qty_ordered: string,
  uom: string,
  unit_price: string,
): Line => ({ item_code, description, qty_ordered, uom, unit_price });

function order(
  order_date: string,
  delivery_date: string,
  status: OrderInput["status"],
  lines: Line[],
  extra: Partial<OrderInput> = {},
): OrderInput {
  return {
    customer_ref: DEMO_CUSTOMER.ref,
    order_date,
    delivery_date,
    status,
    currency: "USD",
    delivery_address: ADDRESS,
    lines,
    tax: "0.00",
    ...extra,
  };
}

export interface DemoShipment {
  tracking_number: string;
  input: ShipmentInput;
  status: TrackingStatus;
  events: TrackingEvent[];
}

export interface DemoOrder {
  number: string;
  input: OrderInput;
  shipments: DemoShipment[];
}

/** The four orders of the wireframe's dashboard, with its totals and item counts. */
const WIREFRAME_ORDERS: DemoOrder[] = [
  {
    number: "ORD-008456",
    // Order Detail wireframe: three lines, $8,450.00, shipping included, invoice 00456.
    input: order("2026-01-14", "2026-01-18", "shipped", [
      line("PROD-123", "Chocolate Bars 24pk", "200", "boxes", "18.50"),
      line("PROD-456", "Gummy Bears 500g", "150", "bags", "12.30"),
      line("PROD-789", "Hard Candy Mix 1kg", "100", "bags", "29.05"),
    ], { invoice_number: "INV-2026-00456", customer_po: "PO-4471" }),
    shipments: [{
      // A well-formed FedEx Express number (its check digit passes), so the link-out works.
      tracking_number: "123456789012",
      input: {
        carrier: "fedex",
        carrier_name: "FedEx Freight",
        shipped_at: "2026-01-15T10:30:00Z",
        estimated_delivery: "2026-01-18",
      },
      status: "in_transit",
      events: [
        {
          status: "picked_up",
          occurred_at: "2026-01-15T10:30:00Z",
          description: "Picked up from ACME Manufacturing",
        },
        {
          status: "in_transit",
          occurred_at: "2026-01-15T16:15:00Z",
          description: "Departed FedEx facility (City A)",
          location: "City A",
        },
        {
          status: "in_transit",
          occurred_at: "2026-01-16T08:45:00Z",
          description: "In transit to City B",
          location: "City B",
        },
      ],
    }],
  },
  {
    number: "ORD-008423",
    input: order("2026-01-12", "2026-01-17", "shipped", [
      line("PROD-123", "Chocolate Bars 24pk", "50", "boxes", "18.50"),
      line("PROD-456", "Gummy Bears 500g", "60", "bags", "12.30"),
      line("PROD-789", "Hard Candy Mix 1kg", "40", "bags", "29.05"),
      line("PROD-234", "Caramel Chews 1kg", "30", "bags", "21.40"),
      line("PROD-345", "Mint Drops 200g", "80", "tins", "6.25"),
      line("PROD-567", "Licorice Twists 400g", "45", "bags", "9.80"),
      line("PROD-678", "Marshmallows 1kg", "20", "bags", "15.90"),
      line("PROD-890", "Lollipops 100ct", "24", "tubs", "21.00"),
    ], { customer_po: "PO-4458" }),
    shipments: [{
      tracking_number: "1Z999AA10123456784",
      input: {
        carrier: "ups",
        carrier_name: "UPS",
        service: "UPS Ground",
        shipped_at: "2026-01-13T14:00:00Z",
        estimated_delivery: "2026-01-17",
      },
      status: "in_transit",
      events: [
        {
          status: "label_created",
          occurred_at: "2026-01-13T09:12:00Z",
          description: "Shipper created a label",
        },
        {
          status: "picked_up",
          occurred_at: "2026-01-13T14:00:00Z",
          description: "Picked up from ACME Manufacturing",
        },
        {
          status: "in_transit",
          occurred_at: "2026-01-14T22:40:00Z",
          description: "Departed from UPS facility",
          location: "City A",
        },
        {
          status: "in_transit",
          occurred_at: "2026-01-15T19:05:00Z",
          description: "Arrived at UPS facility",
          location: "City C",
        },
      ],
    }],
  },
  {
    number: "ORD-008401",
    input: order("2026-01-10", "2026-01-16", "processing", [
      line("PROD-234", "Caramel Chews 1kg", "70", "bags", "21.40"),
      line("PROD-901", "Jelly Beans 1kg", "80", "bags", "17.60"),
      line("PROD-556", "Fruit Pastilles 1kg", "90", "bags", "19.30"),
      line("PROD-789", "Hard Candy Mix 1kg", "10", "bags", "29.05"),
      line("PROD-890", "Lollipops 100ct", "20", "tubs", "21.00"),
      line("PROD-445", "Chocolate Coins 250g", "30", "bags", "7.95"),
      line("PROD-456", "Gummy Bears 500g", "40", "bags", "12.30"),
      line("PROD-678", "Marshmallows 1kg", "50", "bags", "15.90"),
      line("PROD-334", "Sour Worms 1kg", "60", "bags", "16.20"),
      line("PROD-123", "Chocolate Bars 24pk", "70", "boxes", "18.50"),
      line("PROD-567", "Licorice Twists 400g", "80", "bags", "9.80"),
      line("PROD-223", "Peanut Brittle 300g", "90", "boxes", "8.40"),
      line("PROD-778", "Praline Assortment 1kg", "10", "boxes", "38.00"),
      line("PROD-345", "Mint Drops 200g", "20", "tins", "6.25"),
      line("PROD-112", "Toffee Squares 2kg", "50", "boxes", "33.98"),
    ], { estimated_ship_date: "2026-01-15", customer_po: "PO-4430" }),
    shipments: [],
  },
  {
    number: "ORD-008389",
    input: order("2026-01-08", "2026-01-14", "delivered", [
      line("PROD-123", "Chocolate Bars 24pk", "40", "boxes", "18.50"),
      line("PROD-456", "Gummy Bears 500g", "50", "bags", "12.30"),
      line("PROD-789", "Hard Candy Mix 1kg", "20", "bags", "29.05"),
      line("PROD-345", "Mint Drops 200g", "60", "tins", "6.25"),
      line("PROD-567", "Licorice Twists 400g", "40", "bags", "9.80"),
      line("PROD-223", "Peanut Brittle 300g", "30", "boxes", "13.90"),
    ]),
    shipments: [{
      tracking_number: "122816215025810",
      input: {
        carrier: "fedex",
        carrier_name: "FedEx Ground",
        shipped_at: "2026-01-09T11:00:00Z",
        estimated_delivery: "2026-01-14",
      },
      status: "delivered",
      events: [
        {
          status: "picked_up",
          occurred_at: "2026-01-09T11:00:00Z",
          description: "Picked up from ACME Manufacturing",
        },
        {
          status: "in_transit",
          occurred_at: "2026-01-11T07:20:00Z",
          description: "Arrived at FedEx hub",
          location: "City A",
        },
        {
          status: "out_for_delivery",
          occurred_at: "2026-01-14T08:05:00Z",
          description: "On FedEx vehicle for delivery",
          location: "City",
        },
        {
          status: "delivered",
          occurred_at: "2026-01-14T13:42:00Z",
          description: "Delivered",
          location: "City",
        },
      ],
    }],
  },
];

const CATALOG: Array<[string, string, string, string]> = [
  ["PROD-123", "Chocolate Bars 24pk", "boxes", "18.50"],
  ["PROD-456", "Gummy Bears 500g", "bags", "12.30"],
  ["PROD-789", "Hard Candy Mix 1kg", "bags", "29.05"],
  ["PROD-234", "Caramel Chews 1kg", "bags", "21.40"],
  ["PROD-345", "Mint Drops 200g", "tins", "6.25"],
  ["PROD-567", "Licorice Twists 400g", "bags", "9.80"],
  ["PROD-678", "Marshmallows 1kg", "bags", "15.90"],
  ["PROD-890", "Lollipops 100ct", "tubs", "21.00"],
  ["PROD-901", "Jelly Beans 1kg", "bags", "17.60"],
  ["PROD-556", "Fruit Pastilles 1kg", "bags", "19.30"],
];

/** Deterministic lines for history orders (no randomness: the demo is the same each time). */
function historyLines(seed: number): Line[] {
  const count = 2 + (seed % 6);
  return Array.from({ length: count }, (_, i) => {
    const [code, description, uom, price] = CATALOG[(seed * 3 + i * 7) % CATALOG.length];
    return line(code, description, String(10 + ((seed + i * 13) % 12) * 10), uom, price);
  });
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/** Two more open orders, 22 delivered ones going back to autumn 2025, and one cancelled. */
function historyOrders(): DemoOrder[] {
  const out: DemoOrder[] = [
    {
      number: "ORD-008377",
      input: order("2026-01-06", "2026-01-20", "processing", historyLines(1), {
        estimated_ship_date: "2026-01-17",
      }),
      shipments: [],
    },
    {
      number: "ORD-008362",
      input: order("2026-01-05", "2026-01-22", "processing", historyLines(2), {
        estimated_ship_date: "2026-01-19",
      }),
      shipments: [],
    },
  ];
  let n = 8350;
  let day = new Date("2026-01-03T00:00:00Z");
  for (let i = 0; i < 22; i++) {
    out.push({
      number: `ORD-00${n}`,
      input: order(isoDate(day), isoDate(addDays(day, 5)), "delivered", historyLines(i + 3)),
      shipments: [],
    });
    if (i === 3) {
      // One cancelled order in the history.
      day = addDays(day, -2);
      n -= 9;
      out.push({
        number: `ORD-00${n}`,
        input: order(isoDate(day), isoDate(addDays(day, 6)), "cancelled", historyLines(40)),
        shipments: [],
      });
    }
    day = addDays(day, -(3 + (i % 4)));
    n -= 11 + (i % 5);
  }
  return out;
}

export const DEMO_ORDERS: DemoOrder[] = [...WIREFRAME_ORDERS, ...historyOrders()];
