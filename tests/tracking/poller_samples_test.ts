/**
 * The poller over real KV with the production adapters fed published carrier samples: what is
 * stored and counted for a label not scanned yet, a reused FedEx number, customs clearance.
 */
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments, upsertShipment } from "@/lib/orders/shipments.ts";
import { errorsLast24h, listLogs } from "@/lib/tracking/integration_log.ts";
import { pollBatch } from "@/lib/tracking/poller.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex } from "@/tests/fakes/carriers/fedex.ts";
import { FakeUps } from "@/tests/fakes/carriers/ups.ts";
import { FakeUsps, USPS_DELIVERED } from "@/tests/fakes/carriers/usps.ts";
import { makeTestServices, type TestClock } from "@/tests/helpers/services.ts";

setLogSink(() => {});

async function world(
  fn: (t: {
    services: Services & { clock: TestClock };
    fedex: FakeFedex;
    ups: FakeUps;
    usps: FakeUsps;
  }) => Promise<void>,
) {
  const fedex = new FakeFedex(), ups = new FakeUps(), usps = new FakeUsps();
  const services = await makeTestServices({
    env: {
      FEDEX_CLIENT_ID: "fx-id",
      FEDEX_CLIENT_SECRET: "fx-secret",
      FEDEX_BASE_URL: fedex.url,
      UPS_CLIENT_ID: "ups-id",
      UPS_CLIENT_SECRET: "ups-secret",
      UPS_BASE_URL: ups.url,
      USPS_CLIENT_ID: "usps-id",
      USPS_CLIENT_SECRET: "usps-secret",
      USPS_BASE_URL: usps.url,
    },
  });
  const now = services.clock.now();
  await createOrg(services.kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, now);
  await upsertCustomer(services.kv, "acme", "CUST-1", {
    name: "Retail Store Co.",
    email: "ops@retail.example",
    locale: "en",
  }, now);
  await upsertOrder(services.kv, "acme", "ORD-1", {
    customer_ref: "CUST-1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped",
    currency: "USD",
    delivery_address: "1 Main St, Columbus, OH",
    lines: [{ item_code: "P-1", description: "Chocolate", qty_ordered: "2", unit_price: "1.50" }],
  }, now);
  try {
    await fn({ services, fedex, ups, usps });
  } finally {
    services.close();
    await Promise.all([fedex.close(), ups.close(), usps.close()]);
  }
}

const stored = async (services: Services, n: string) =>
  (await getShipments(services.kv, "acme", "CUST-1", "ORD-1")).find((s) =>
    s.tracking_number === n
  )!;

const poll = (services: Services, carrier: "fedex" | "ups" | "usps", n: string, reason = "cron") =>
  pollBatch(services, {
    carrier,
    org: "acme",
    items: [{ order_number: "ORD-1", tracking_number: n }],
    batch_id: `t:${carrier}:${n}:${services.clock.now().getTime()}`,
    reason: reason as "cron",
  });

Deno.test("a USPS label not scanned yet (400 150001): awaiting first scan, no error, asked again soon", async () => {
  await world(async ({ services, usps }) => {
    await upsertShipment(services.kv, "acme", "ORD-1", USPS_DELIVERED, {
      carrier: "usps",
      shipped_at: services.clock.now().toISOString(),
    }, services.clock.now());
    usps.serveFixtureFor(USPS_DELIVERED, { file: "usps/not_found_150001.json", status: 400 });
    const out = await poll(services, "usps", USPS_DELIVERED);
    assert.deepEqual([out.failed, out.updated, out.retryScheduled], [0, 0, false]);
    const s = await stored(services, USPS_DELIVERED);
    assert.deepEqual(s.awaiting_first_scan, true);
    assert.deepEqual(s.status, "label_created");
    assert.deepEqual(s.last_refreshed_at, services.clock.now().toISOString());
    assert.deepEqual(await errorsLast24h(services, "acme", "usps"), 0);
    const { logs } = await listLogs(services.kv, "acme");
    const call = logs.find((l) => l.kind === "carrier_call")!;
    assert.deepEqual([call.outcome, call.http_status, call.detail], ["not_found", 400, "150001"]);
    assert.deepEqual(logs.find((l) => l.kind === "poll")!.outcome, "ok");
    // A new label is asked about again in 15 minutes, before the next cron round.
    const queued: string[] = [];
    for await (const e of services.kv.list({ prefix: ["queue_dedup", "key"] })) {
      queued.push(String(e.key[2]));
    }
    assert(queued.some((k) => k.startsWith(`tracking.first-scan:acme:ORD-1:${USPS_DELIVERED}:`)));

    // Once scanned, the mark goes and the events come.
    usps.serveFixtureFor(USPS_DELIVERED, { file: "usps/delivered_parcel_locker.json" });
    services.clock.advance(15 * 60_000);
    await poll(services, "usps", USPS_DELIVERED, "refresh");
    const after = await stored(services, USPS_DELIVERED);
    assert.deepEqual([after.status, after.awaiting_first_scan], ["delivered", undefined]);
    assert.deepEqual(after.delivery?.left_at, "parcel_locker");
  });
});

Deno.test("an old unscanned label is not asked about every cron round", async () => {
  await world(async ({ services, usps }) => {
    await upsertShipment(services.kv, "acme", "ORD-1", USPS_DELIVERED, {
      carrier: "usps",
      shipped_at: new Date(services.clock.now().getTime() - 7 * 86_400_000).toISOString(),
    }, services.clock.now());
    usps.serveFixtureFor(USPS_DELIVERED, { file: "usps/not_found_150002.json", status: 400 });
    await poll(services, "usps", USPS_DELIVERED);
    assert.deepEqual(usps.trackCalls, 1);
    services.clock.advance(30 * 60_000);
    await poll(services, "usps", USPS_DELIVERED);
    assert.deepEqual(usps.trackCalls, 1); // a week-old label: every 6 hours
    services.clock.advance(6 * 3_600_000);
    await poll(services, "usps", USPS_DELIVERED);
    assert.deepEqual(usps.trackCalls, 2);
  });
});

Deno.test("a carrier that forgets a number keeps the timeline we have", async () => {
  await world(async ({ services, ups }) => {
    const n = "1ZCIETST0422222228";
    await upsertShipment(services.kv, "acme", "ORD-1", n, {
      carrier: "ups",
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, services.clock.now());
    ups.serveFixtureFor(n, { file: "ups/in_transit_code_without_type.json" });
    await poll(services, "ups", n);
    assert.deepEqual((await stored(services, n)).events.length, 4);
    ups.serveFixtureFor(n, { file: "ups/not_found_200.json" });
    services.clock.advance(30 * 60_000);
    await poll(services, "ups", n);
    const s = await stored(services, n);
    assert.deepEqual([s.status, s.events.length, s.awaiting_first_scan], [
      "in_transit",
      4,
      undefined,
    ]);
  });
});

Deno.test("a reused FedEx number: our shipment's events, its unique id remembered and asked for", async () => {
  await world(async ({ services, fedex }) => {
    const n = "776094337676";
    const input = { carrier: "fedex" as const, shipped_at: "2024-04-24T08:00:00-07:00" };
    await upsertShipment(services.kv, "acme", "ORD-1", n, input, services.clock.now());
    fedex.serveFixture("track", { file: "fedex/duplicate_number.json" }, 2);
    await poll(services, "fedex", n);
    const s = await stored(services, n);
    assert.deepEqual(s.status, "in_transit");
    assert.deepEqual(s.carrier_ref, "2460425000~776094337676~FX");
    assert.deepEqual(s.delivery?.delay_reason, "Package delayed");
    // None of the other (delivered) shipment's events.
    assert(!s.events.some((e) => e.status === "delivered"));
    // The ERP re-sends the shipment unchanged: the id stays; the next poll asks by it.
    await upsertShipment(services.kv, "acme", "ORD-1", n, input, services.clock.now());
    assert.deepEqual((await stored(services, n)).carrier_ref, "2460425000~776094337676~FX");
    services.clock.advance(30 * 60_000);
    await poll(services, "fedex", n);
    const bodies = fedex.calls.filter((c) => c.path === "/track/v1/trackingnumbers")
      .map((c) => JSON.parse(c.body).trackingInfo[0].trackingNumberInfo);
    assert.deepEqual(bodies, [
      { trackingNumber: n },
      { trackingNumber: n, trackingNumberUniqueId: "2460425000~776094337676~FX" },
    ]);
    // A new ship date is another shipment: the remembered id is dropped.
    await upsertShipment(services.kv, "acme", "ORD-1", n, {
      ...input,
      shipped_at: "2024-09-01T08:00:00-07:00",
    }, services.clock.now());
    assert.deepEqual((await stored(services, n)).carrier_ref, undefined);
  });
});

Deno.test("the FedEx call's x-customer-transaction-id is kept in the integration log", async () => {
  await world(async ({ services, fedex }) => {
    const n = "776094337676";
    await upsertShipment(services.kv, "acme", "ORD-1", n, {
      carrier: "fedex",
      shipped_at: "2024-04-25T09:00:00-07:00",
    }, services.clock.now());
    fedex.serveFixture("track", { file: "fedex/empty_error_object.json" });
    await poll(services, "fedex", n);
    const sent = fedex.calls.find((c) => c.path === "/track/v1/trackingnumbers")!;
    const { logs } = await listLogs(services.kv, "acme");
    const call = logs.find((l) => l.kind === "carrier_call")!;
    assert.deepEqual(call.transaction_id, sent.headers["x-customer-transaction-id"]);
    assert(/^[0-9a-f-]{36}$/.test(call.transaction_id!));
  });
});

Deno.test("UPS international customs clearance is stored as in transit (no exception)", async () => {
  await world(async ({ services, ups }) => {
    const n = "1ZCIETST0111111114";
    await upsertShipment(services.kv, "acme", "ORD-1", n, {
      carrier: "ups",
      shipped_at: "2026-01-10T12:00:00+01:00",
    }, services.clock.now());
    ups.serveFixtureFor(n, { file: "ups/international_customs_clearance.json" });
    const out = await poll(services, "ups", n);
    const s = await stored(services, n);
    assert.deepEqual(s.status, "in_transit");
    assert(!s.events.some((e) => e.status === "exception"));
    assert.deepEqual([out.changed, out.failed], [1, 0]);
  });
});
