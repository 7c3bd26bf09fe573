/** The demo seed: the wireframes' data on an empty database, and nothing on a second run. */
import { DEMO_CUSTOMER } from "@/lib/seed/demo_data.ts";
import { seedDemo, seedDemoData } from "@/lib/seed/demo.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getStats } from "@/lib/orders/order_index.ts";
import { getOrder, listOrders } from "@/lib/orders/orders.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { startTestServer } from "@/tests/helpers/server.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";

async function withServices(fn: (s: Services) => Promise<void>) {
  using services = await makeTestServices({
    env: { DENO_ENV: "development", SEED_DEMO: "1", PORT: "8000" },
  });
  await fn(services);
}

Deno.test("demo seed: wireframe org, customer, stats, orders and shipments; idempotent", async () => {
  await withServices(async (s) => {
    assert.deepEqual(await seedDemoData(s), true);
    assert.deepEqual(await seedDemoData(s), false);
    const org = (await getOrg(s.kv, "acme"))!;
    assert.deepEqual([org.name, org.support_email, org.support_phone], [
      "ACME Manufacturing",
      "sales@acme.com",
      "(555) 123-4567",
    ]);
    const c = (await getCustomer(s.kv, "acme", DEMO_CUSTOMER.ref))!;
    assert.deepEqual([c.name, c.email, c.locale], [
      "Retail Store Co.",
      "ops@retailstore.example",
      "en",
    ]);
    // "Last login: 30m ago".
    assert.deepEqual(
      Date.parse(s.clock.now().toISOString()) - Date.parse(c.last_visit_at!),
      30 * 60_000,
    );
    assert.deepEqual(await getStats(s.kv, "acme", c.ref), {
      active: 5,
      in_transit: 2,
      delivered: 23,
    });

    const page = await listOrders(s.kv, "acme", c.ref);
    assert.deepEqual(
      page.orders.slice(0, 4).map((
        o,
      ) => [o.order_number, o.order_date, o.items_count, o.total, o.delivery_date, o.status]),
      [
        ["ORD-008456", "2026-01-14", 3, "8450.00", "2026-01-18", "shipped"],
        ["ORD-008423", "2026-01-12", 8, "5230.00", "2026-01-17", "shipped"],
        ["ORD-008401", "2026-01-10", 15, "12890.00", "2026-01-16", "processing"],
        ["ORD-008389", "2026-01-08", 6, "3120.00", "2026-01-14", "delivered"],
      ],
    );
    assert.deepEqual(page.orders[2].estimated_ship_date, "2026-01-15");
    assert.deepEqual(page.orders[3].shipments[0].delivered_at?.slice(0, 10), "2026-01-14");
    assert(page.next_cursor, "a second page of history");
    const all = [
      ...page.orders,
      ...(await listOrders(s.kv, "acme", c.ref, { cursor: page.next_cursor })).orders,
    ];
    assert.deepEqual(all.length, 29);
    assert.deepEqual(all.filter((o) => o.status === "cancelled").length, 1);

    const detail = (await getOrder(s.kv, "acme", c.ref, "ORD-008456"))!;
    assert.deepEqual(
      detail.lines.map((
        l,
      ) => [l.item_code, l.description, l.qty_ordered, l.uom, l.unit_price, l.line_total]),
      [
        ["PROD-123", "Chocolate Bars 24pk", "200", "boxes", "18.50", "3700.00"],
        ["PROD-456", "Gummy Bears 500g", "150", "bags", "12.30", "1845.00"],
        ["PROD-789", "Hard Candy Mix 1kg", "100", "bags", "29.05", "2905.00"],
      ],
    );
    assert.deepEqual([
      detail.subtotal,
      detail.tax,
      detail.shipping,
      detail.total,
      detail.invoice_number,
    ], [
      "8450.00",
      "0.00",
      undefined,
      "8450.00",
      "INV-2026-00456",
    ]);
    const [fedex] = await getShipments(s.kv, "acme", c.ref, "ORD-008456");
    assert.deepEqual([
      fedex.carrier_name,
      fedex.tracking_number,
      fedex.status,
      fedex.estimated_delivery,
    ], [
      "FedEx Freight",
      "123456789012",
      "in_transit",
      "2026-01-18",
    ]);
    assert.deepEqual(fedex.events.map((e) => e.description), [
      "Picked up from ACME Manufacturing",
      "Departed FedEx facility (City A)",
      "In transit to City B",
    ]);
    const [ups] = await getShipments(s.kv, "acme", c.ref, "ORD-008423");
    assert.deepEqual([ups.carrier, ups.tracking_number, ups.status], [
      "ups",
      "1Z999AA10123456784",
      "in_transit",
    ]);
  });
});

Deno.test("seedDemo prints a working magic link; a second run returns null", async () => {
  let url: string | null = null;
  const server = await startTestServer({
    setup: async (services) => {
      url = await seedDemo(services);
    },
  });
  try {
    assert(url, "a link on an empty database");
    const link = new URL(url!);
    assert.deepEqual(link.origin, server.url);
    assert.deepEqual(await seedDemo(server.services), null);
    const api = await server.fetch(
      `/api${link.pathname.replace("/customer/", "/portal/customer/")}/orders`,
    );
    assert.deepEqual(api.status, 200);
    const body = await api.json();
    assert.deepEqual(body.customer.name, "Retail Store Co.");
    assert.deepEqual(body.stats, { active: 5, in_transit: 2, delivered: 23 });
    assert.deepEqual(body.orders.length, 20);
    const page = await server.fetch(link.pathname);
    assert.deepEqual(page.status, 200);
    assert.match(await page.text(), /ORD-008456/);
  } finally {
    await server.close();
  }
});
