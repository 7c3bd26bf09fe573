/** Orders, orgs and customers for the document tests (the wireframe's ORD-008456 and more). */
import type { Customer, LineItem, Locale, Order, Org } from "@/lib/orders/model.ts";

export const org: Org = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.com",
  support_phone: "(555) 123-4567",
  created_at: "2026-01-01T00:00:00Z",
};

export function customer(locale: Locale = "en", over: Partial<Customer> = {}): Customer {
  return {
    org: "acme",
    ref: "CUST-RS-2026-045",
    name: locale === "pl" ? "Hurtownia Łódź Żółć Śląsk" : "Retail Store Co.",
    email: "ops@retailstore.example",
    locale,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

export const wireframeLines: LineItem[] = [
  {
    item_code: "PROD-123",
    description: "Chocolate Bars 24pk",
    qty_ordered: "200",
    uom: "boxes",
    unit_price: "18.50",
    line_total: "3700.00",
  },
  {
    item_code: "PROD-456",
    description: "Gummy Bears 500g",
    qty_ordered: "150",
    uom: "bags",
    unit_price: "12.30",
    line_total: "1845.00",
  },
  {
    item_code: "PROD-789",
    description: "Hard Candy Mix 1kg",
    qty_ordered: "100",
    uom: "bags",
    unit_price: "29.05",
    line_total: "2905.00",
  },
];

export function order(over: Partial<Order> = {}): Order {
  return {
    org: "acme",
    customer_ref: "CUST-RS-2026-045",
    order_number: "ORD-008456",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped",
    currency: "USD",
    delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
    lines: wireframeLines,
    items_count: 3,
    subtotal: "8450.00",
    tax: "0.00",
    total: "8450.00",
    invoice_number: "INV-2026-00456",
    shipments: [],
    created_at: "2026-01-14T09:00:00Z",
    updated_at: "2026-01-15T10:30:00Z",
    ...over,
  };
}

/** A `count`-line order (totals computed in cents, exact for these small numbers). */
export function bigOrder(count = 60, over: Partial<Order> = {}): Order {
  const lines: LineItem[] = [];
  let cents = 0;
  for (let i = 1; i <= count; i++) {
    const qty = 10 + i;
    const priceCents = 100 + i * 37;
    cents += qty * priceCents;
    lines.push({
      item_code: `SKU-${String(i).padStart(4, "0")}`,
      description: i % 7 === 0
        ? `Assorted seasonal confectionery gift box number ${i} with extra long description`
        : `Product line ${i}`,
      qty_ordered: String(qty),
      uom: "pcs",
      unit_price: (priceCents / 100).toFixed(2),
      line_total: ((qty * priceCents) / 100).toFixed(2),
    });
  }
  const subtotal = (cents / 100).toFixed(2);
  const tax = ((Math.round(cents * 0.23)) / 100).toFixed(2);
  const total = ((cents + Math.round(cents * 0.23) + 2500) / 100).toFixed(2);
  return order({
    lines,
    items_count: count,
    subtotal,
    tax,
    shipping: "25.00",
    total,
    ...over,
  });
}

/** Text of a PDF via poppler's pdftotext (layout mode keeps table rows on one line). */
export async function pdfText(bytes: Uint8Array, layout = true): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".pdf" });
  try {
    await Deno.writeFile(path, bytes);
    const args = [...(layout ? ["-layout"] : []), "-enc", "UTF-8", path, "-"];
    const out = await new Deno.Command("pdftotext", { args, stdout: "piped", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(path);
  }
}
