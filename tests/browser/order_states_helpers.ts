/**
 * The order page's states on top of the demo seed (clock: 2026-01-16 12:00 UTC), one order
 * each, for the order page browser tests: processing (ORD-008401), shipped (ORD-008456),
 * delivered with facts, late, out for delivery, cancelled, several shipments.
 */
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import type { OrderInput } from "@/lib/orders/input.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import type { DeliveryFacts, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";

export const STATES = {
  processing: "ORD-008401",
  shipped: "ORD-008456",
  late: "ORD-009001",
  out_for_delivery: "ORD-009002",
  delivered: "ORD-009003",
  cancelled: "ORD-009004",
  several: "ORD-009005",
} as const;
export type OrderState = keyof typeof STATES;

const lines3: OrderInput["lines"] = [
  {
    item_code: "PROD-123",
    description: "Chocolate Bars 24pk",
    qty_ordered: "200",
    uom: "boxes",
    unit_price: "18.50",
  },
  {
    item_code: "PROD-456",
    description: "Gummy Bears 500g",
    qty_ordered: "1",
    uom: "bag",
    unit_price: "12.30",
  },
  {
    item_code: "PROD-789",
    description: "Hard Candy Mix 1kg",
    qty_ordered: "12.5",
    uom: "kg",
    unit_price: "29.05",
  },
];

function orderInput(status: OrderInput["status"], extra: Partial<OrderInput> = {}): OrderInput {
  return {
    customer_ref: DEMO_CUSTOMER.ref,
    order_date: "2026-01-03",
    delivery_date: "2026-01-12",
    status,
    currency: "USD",
    delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
    lines: lines3,
    tax: "0.00",
    ...extra,
  };
}

const ev = (
  status: TrackingStatus,
  occurred_at: string,
  description: string,
  location?: string,
): TrackingEvent => ({ status, occurred_at, description, ...(location ? { location } : {}) });

async function ship(
  services: Services,
  order: string,
  tracking: string,
  carrier: "fedex" | "ups" | "usps",
  status: TrackingStatus,
  events: TrackingEvent[],
  estimate?: string,
  delivery?: DeliveryFacts,
) {
  const { kv } = services;
  const now = services.clock.now();
  await upsertShipment(kv, DEMO_ORG.slug, order, tracking, {
    carrier,
    shipped_at: events[0]?.occurred_at ?? "2026-01-05T09:00:00Z",
    ...(estimate ? { estimated_delivery: estimate } : {}),
  }, now);
  await applyTrackingUpdate(kv, DEMO_ORG.slug, order, tracking, {
    status,
    events,
    ...(estimate ? { estimated_delivery: estimate } : {}),
    last_refreshed_at: now.toISOString(),
    ...(delivery ? { delivery } : {}),
  });
}

/** Adds the extra orders of STATES to a seeded portal's services (as `setup`). */
export async function seedOrderStates(services: Services): Promise<void> {
  const { kv } = services;
  const now = services.clock.now();
  const put = (n: string, input: OrderInput) => upsertOrder(kv, DEMO_ORG.slug, n, input, now);

  await put(STATES.late, orderInput("shipped"));
  await ship(
    services,
    STATES.late,
    "1Z999AA10123456784",
    "ups",
    "in_transit",
    [
      ev("picked_up", "2026-01-08T10:00:00-05:00", "Picked up", "Springfield, IL"),
      ev("in_transit", "2026-01-15T18:20:00-05:00", "Departed UPS facility", "Chicago, IL"),
    ],
    "2026-01-12",
    { delay_reason: "Weather delay", revised_estimate: "2026-01-20" },
  );

  await put(STATES.out_for_delivery, orderInput("shipped", { delivery_date: "2026-01-16" }));
  await ship(services, STATES.out_for_delivery, "123456789012", "fedex", "out_for_delivery", [
    ev("picked_up", "2026-01-14T09:00:00-06:00", "Picked up", "Memphis, TN"),
    ev("out_for_delivery", "2026-01-16T07:10:00-06:00", "On FedEx vehicle for delivery", "City"),
  ], "2026-01-16");

  await put(STATES.delivered, orderInput("delivered", { delivery_date: "2026-01-14" }));
  await ship(
    services,
    STATES.delivered,
    "122816215025810",
    "fedex",
    "delivered",
    [
      ev("picked_up", "2026-01-12T09:00:00-06:00", "Picked up", "Memphis, TN"),
      ev("delivered", "2026-01-14T14:05:00-06:00", "Delivered", "City"),
    ],
    "2026-01-14",
    {
      left_at: "front_door",
      signed_by: "C.REILLY",
      proof_of_delivery: { available: true, kind: "signature" },
    },
  );

  await put(STATES.cancelled, orderInput("cancelled"));

  await put(STATES.several, orderInput("shipped", { delivery_date: "2026-01-17" }));
  // Both registered before the first is delivered (the ERP sends its shipments together).
  await upsertShipment(kv, DEMO_ORG.slug, STATES.several, "1Z999AA10123456792", {
    carrier: "ups",
    shipped_at: "2026-01-14T10:00:00-05:00",
    estimated_delivery: "2026-01-17",
  }, now);
  await ship(
    services,
    STATES.several,
    "9400111899223197428490",
    "usps",
    "delivered",
    [
      ev("picked_up", "2026-01-10T08:00:00-05:00", "Accepted at USPS origin facility"),
      ev("delivered", "2026-01-13T11:30:00-05:00", "Delivered, in/at mailbox"),
    ],
    "2026-01-13",
    { left_at: "mailbox" },
  );
  await ship(services, STATES.several, "1Z999AA10123456792", "ups", "in_transit", [
    ev("picked_up", "2026-01-14T10:00:00-05:00", "Picked up"),
    ev("in_transit", "2026-01-15T22:00:00-05:00", "Arrived at facility", "Louisville, KY"),
  ], "2026-01-17");
}
