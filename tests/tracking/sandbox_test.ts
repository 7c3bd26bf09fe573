/** The demo sandbox carrier: no network, one milestone per poll, driven by a fake clock. */
import { loadConfig } from "@/lib/config.ts";
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments, upsertShipment } from "@/lib/orders/shipments.ts";
import { adapterMode } from "@/lib/tracking/adapters.ts";
import { pollBatch } from "@/lib/tracking/poller.ts";
import { SandboxAdapter, sandboxEnabled } from "@/lib/tracking/sandbox.ts";
import { getIntegrationStatus } from "@/lib/tracking/status.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

setLogSink(() => {});

Deno.test("the sandbox is on in the embedded development default only", () => {
  const cfg = (env: Record<string, string>) => loadConfig({ KV_PATH: ":memory:", ...env });
  assert.deepEqual(sandboxEnabled(cfg({})), true);
  assert.deepEqual(sandboxEnabled(cfg({ DENO_ENV: "production" })), false);
  assert.deepEqual(sandboxEnabled(cfg({ DENO_ENV: "test" })), false);
  assert.deepEqual(sandboxEnabled(cfg({ SEED_DEMO: "0" })), false);
  assert.deepEqual(sandboxEnabled(cfg({ DENO_ENV: "production", SANDBOX_CARRIER: "1" })), true);
  assert.deepEqual(sandboxEnabled(cfg({ SANDBOX_CARRIER: "0" })), false);
  // Real credentials always win over the sandbox.
  assert.deepEqual(
    adapterMode(cfg({ FEDEX_CLIENT_ID: "a", FEDEX_CLIENT_SECRET: "b" }), "fedex"),
    "live",
  );
  assert.deepEqual(adapterMode(cfg({}), "ups"), "sandbox");
  assert.deepEqual(adapterMode(cfg({}), "manual"), "off");
});

Deno.test("sandbox adapter: starts at the label, clearly labelled; unknown numbers not found", async () => {
  const services = await makeTestServices();
  try {
    const sb = new SandboxAdapter(services, () => ({ status: "label_created", events: [] }));
    const [first] = await sb.track([{ tracking_number: "X" }]);
    assert(first.ok && "shipment" in first);
    assert.deepEqual(first.shipment.events.map((e) => e.status), ["label_created"]);
    assert.deepEqual(first.shipment.events[0].carrier_code, "SANDBOX");
    assert(first.shipment.events[0].description.includes("(sandbox)"));
    assert(first.shipment.estimated_delivery);
    const [nf] = await new SandboxAdapter(services, () => undefined).track([
      { tracking_number: "Y" },
    ]);
    assert(nf.ok && "awaiting_first_scan" in nf);
  } finally {
    services.close();
  }
});

Deno.test("demo timeline moves: a FedEx shipment without credentials walks to delivered", async () => {
  const services = await makeTestServices({
    env: { SANDBOX_CARRIER: "1", DENO_ENV: "development" },
  });
  try {
    const now = services.clock.now();
    await createOrg(services.kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.example",
      support_phone: "(555) 123-4567",
    }, now);
    await upsertCustomer(
      services.kv,
      "acme",
      "C1",
      { name: "Retail", email: "ops@r.example" },
      now,
    );
    await upsertOrder(services.kv, "acme", "ORD-1", {
      customer_ref: "C1",
      order_date: "2026-01-14",
      delivery_date: "2026-01-18",
      status: "shipped",
      currency: "USD",
      delivery_address: "1 Main St",
      lines: [{ item_code: "P", description: "Thing", qty_ordered: "1", unit_price: "1.00" }],
    }, now);
    await upsertShipment(services.kv, "acme", "ORD-1", "FDX123456789", {
      carrier: "fedex",
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, now);
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      await pollBatch(services, {
        carrier: "fedex",
        org: "acme",
        items: [{ order_number: "ORD-1", tracking_number: "FDX123456789" }],
        batch_id: `b${i}`,
      });
      const [s] = await getShipments(services.kv, "acme", "C1", "ORD-1");
      statuses.push(s.status);
      // Polled again within the step: nothing moves.
      services.clock.advance(10 * 60_000);
      await pollBatch(services, {
        carrier: "fedex",
        org: "acme",
        items: [{ order_number: "ORD-1", tracking_number: "FDX123456789" }],
        batch_id: `c${i}`,
      });
      services.clock.advance(20 * 60_000);
    }
    assert.deepEqual(statuses, [
      "label_created",
      "picked_up",
      "in_transit",
      "in_transit",
      "out_for_delivery",
      "delivered",
      "delivered",
      "delivered",
    ]);
    const [s] = await getShipments(services.kv, "acme", "C1", "ORD-1");
    assert.deepEqual(s.events.length, 6);
    assert(s.events.every((e) => e.description.endsWith("(sandbox)")));
    // Oldest first, each with an offset.
    assert(s.events.every((e, i) => i === 0 || e.occurred_at > s.events[i - 1].occurred_at));
    assert(s.events.every((e) => e.occurred_at.endsWith("-05:00")));
    const fedex = (await getIntegrationStatus(services, "acme"))[0];
    assert.deepEqual([fedex.configured, fedex.mode], [false, "sandbox"]);
    assert(fedex.note?.includes("sandbox"));
  } finally {
    services.close();
  }
});
