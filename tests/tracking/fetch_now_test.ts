/**
 * Fetch at once: registering a shipment queues its first carrier fetch in the same commit;
 * only changes that alter what the carrier answers fetch again; carriers that are not polled
 * are never asked. Real KV and queue, the production FedEx adapter and the local server.
 */
import { shipmentView } from "@/lib/http/views.ts";
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { OrderNotFoundError } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { fetchBatch, putShipment } from "@/lib/tracking/fetch_now.ts";
import { pollBatch, registerTrackingJobs, requestRefreshIfStale } from "@/lib/tracking/poller.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex } from "@/tests/fakes/carriers/fedex.ts";
import { makeTestServices, type TestClock, waitForQueueIdle } from "@/tests/helpers/services.ts";

setLogSink(() => {});

const N = "149331877648230";

async function world(
  fn: (t: { services: Services & { clock: TestClock }; fake: FakeFedex }) => Promise<void>,
  opts: { listen?: boolean } = {},
) {
  const fake = new FakeFedex();
  const services = await makeTestServices({
    env: {
      FEDEX_CLIENT_ID: "fx-id",
      FEDEX_CLIENT_SECRET: "fx-secret",
      FEDEX_BASE_URL: fake.url,
    },
  });
  registerEmailHandlers();
  registerTrackingJobs(services, { cron: false });
  const listener = opts.listen === false
    ? undefined
    : startQueueListener(services, { retry: { retryDelaysMs: [1], jitter: 0 } });
  const now = services.clock.now();
  await createOrg(services.kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, now);
  await upsertCustomer(services.kv, "acme", "C1", { name: "Retail", email: "r@example.com" }, now);
  await upsertOrder(services.kv, "acme", "ORD-1", {
    customer_ref: "C1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "processing",
    currency: "USD",
    delivery_address: "1 Main St",
    lines: [{ item_code: "P", description: "Thing", qty_ordered: "1", unit_price: "1.00" }],
  }, now);
  try {
    await fn({ services, fake });
  } finally {
    services.close();
    await listener;
    await fake.close();
  }
}

const stored = async (services: Services, n = N) =>
  (await getShipments(services.kv, "acme", "C1", "ORD-1")).find((s) => s.tracking_number === n)!;

const input = { carrier: "fedex" as const, shipped_at: "2026-01-15T10:30:00-05:00" };

Deno.test("a new shipment is fetched at once; until then it has no refresh time", async () => {
  await world(async ({ services, fake }) => {
    const put = await putShipment(services, "acme", "ORD-1", N, input);
    assert.deepEqual([put.created, put.fetch_queued], [true, true]);
    assert.deepEqual(put.shipment.last_refreshed_at, undefined);
    // The tracking API says so instead of showing a refresh time.
    const view = shipmentView(put.shipment, { status: "shipped" }, services.clock.now());
    assert.deepEqual([view.last_refreshed_at, view.awaiting_carrier], [null, true]);
    // Customers opening the order meanwhile ask for no second fetch.
    assert.deepEqual(await requestRefreshIfStale(services, put.shipment), false);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[N]]);
    const s = await stored(services);
    assert.deepEqual([s.status, s.events.length], ["in_transit", 5]);
    assert.deepEqual(s.last_refreshed_at, services.clock.now().toISOString());
  });
});

Deno.test("only changes that alter the carrier's answer fetch again", async () => {
  await world(async ({ services, fake }) => {
    await putShipment(services, "acme", "ORD-1", N, input);
    await waitForQueueIdle();
    // The ERP re-sends it, or changes only the estimate or the service: no carrier call.
    for (const again of [input, { ...input, estimated_delivery: "2026-01-19" }]) {
      const r = await putShipment(services, "acme", "ORD-1", N, again);
      assert.deepEqual([r.created, r.fetch_queued], [false, false]);
    }
    // A new ship date may be another shipment of a reused number: asked at once.
    const moved = await putShipment(services, "acme", "ORD-1", N, {
      ...input,
      shipped_at: "2026-01-15T16:00:00-05:00",
    });
    assert.deepEqual(moved.fetch_queued, true);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[N], [N]]);
  });
});

Deno.test("manual and unconfigured carriers are never asked; no order, nothing queued", async () => {
  await world(async ({ services, fake }) => {
    const manual = await putShipment(services, "acme", "ORD-1", "PRO-778", {
      carrier: "manual",
      carrier_name: "Acme Freight",
      shipped_at: input.shipped_at,
    });
    const ups = await putShipment(services, "acme", "ORD-1", "1ZCIETST0111111114", {
      carrier: "ups",
      shipped_at: input.shipped_at,
    });
    assert.deepEqual([manual.fetch_queued, ups.fetch_queued], [false, false]);
    await assert.rejects(
      () => putShipment(services, "acme", "ORD-404", N, input),
      OrderNotFoundError,
    );
    await waitForQueueIdle();
    assert.deepEqual(fake.trackCalls, 0);
    const s = await stored(services, "PRO-778");
    assert.deepEqual([s.carrier, s.carrier_name, s.last_refreshed_at], [
      "manual",
      "Acme Freight",
      undefined,
    ]);
  });
});

Deno.test("a carrier outage at the first fetch: retried, and the shipment still says never fetched", async () => {
  await world(async ({ services, fake }) => {
    const put = await putShipment(services, "acme", "ORD-1", N, input);
    assert.deepEqual(put.fetch_queued, true);
    // The queued batch meets a 503 (run here: no listener, its retry stays queued).
    fake.force({ status: 503, body: { errors: [{ code: "SERVICE.UNAVAILABLE.ERROR" }] } });
    const out = await pollBatch(services, fetchBatch(put.shipment, services.clock.now()));
    assert.deepEqual([out.failed, out.retryScheduled], [1, true]);
    const s = await stored(services);
    assert.deepEqual([s.last_refreshed_at, s.status], [undefined, "label_created"]);
    // Still never fetched, so an unchanged re-send asks again.
    const again = await putShipment(services, "acme", "ORD-1", N, input);
    assert.deepEqual(again.fetch_queued, true);
  }, { listen: false });
});
