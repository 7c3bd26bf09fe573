/**
 * The poller on a fake clock, over real KV, the real queue and the dev outbox, with the
 * production FedEx adapter talking to the local FedEx server.
 */
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments, upsertShipment } from "@/lib/orders/shipments.ts";
import { handleQueueMessage, type QueueMessage, startQueueListener } from "@/lib/queue/queue.ts";
import { circuitState } from "@/lib/tracking/circuit.ts";
import { listLogs } from "@/lib/tracking/integration_log.ts";
import { setTrackingEmailOptOut } from "@/lib/tracking/notify.ts";
import {
  POLL_BATCH,
  type PollBatch,
  pollBatch,
  registerTrackingJobs,
  requestRefreshIfStale,
  startPollCycle,
  TRACKING_POLL_CRON,
} from "@/lib/tracking/poller.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex, FEDEX_FIXTURES } from "@/tests/fakes/carriers/fedex.ts";
import { makeTestServices, type TestClock, waitForQueueIdle } from "@/tests/helpers/services.ts";

setLogSink(() => {});

const IN_TRANSIT = "149331877648230";
const OUT = "231300687629630";
const DELIVERED = "122816215025810";
const LABEL = "449044304137821";

async function seed(services: Services, opts: { locale?: "en" | "es" | "pl" } = {}) {
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
    locale: opts.locale ?? "en",
  }, now);
  const order = (n: string) =>
    upsertOrder(services.kv, "acme", n, {
      customer_ref: "CUST-1",
      order_date: "2026-01-14",
      delivery_date: "2026-01-18",
      status: "shipped",
      currency: "USD",
      delivery_address: "1 Main St, Columbus, OH",
      lines: [{ item_code: "P-1", description: "Chocolate", qty_ordered: "2", unit_price: "1.50" }],
    }, now);
  await order("ORD-1");
  await order("ORD-2");
  const ship = (o: string, t: string, carrier: "fedex" | "ups" | "manual") =>
    upsertShipment(services.kv, "acme", o, t, {
      carrier,
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, now);
  await ship("ORD-1", IN_TRANSIT, "fedex");
  await ship("ORD-1", LABEL, "fedex");
  await ship("ORD-2", "1ZCIETST0422222228", "ups"); // UPS has no credentials here
  await ship("ORD-2", "PRO-12345", "manual");
}

async function withPoller(
  fn: (t: { services: Services & { clock: TestClock }; fake: FakeFedex }) => Promise<void>,
  env: Record<string, string> = {},
) {
  const fake = new FakeFedex();
  const services = await makeTestServices({
    env: {
      FEDEX_CLIENT_ID: "fx-id",
      FEDEX_CLIENT_SECRET: "fx-secret",
      FEDEX_BASE_URL: fake.url,
      ...env,
    },
  });
  registerEmailHandlers();
  registerTrackingJobs(services, { cron: false });
  const listener = env.DENO_ENV ? undefined : startQueueListener(services, {
    retry: { retryDelaysMs: [1, 1], jitter: 0 },
  });
  try {
    await fn({ services, fake });
  } finally {
    services.close();
    await listener;
    await fake.close();
  }
}

async function emails(services: Services) {
  return (await listOutbox(services.kv, { limit: 200 })).entries;
}

async function shipment(services: Services, order: string, tracking: string) {
  return (await getShipments(services.kv, "acme", "CUST-1", order)).find((s) =>
    s.tracking_number === tracking
  )!;
}

Deno.test("the schedule is every 30 minutes and one fan-out runs per 30-minute slot", async () => {
  assert.deepEqual(TRACKING_POLL_CRON, "*/30 * * * *");
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    services.clock.current = new Date("2026-01-16T12:00:00Z");
    assert.deepEqual(await startPollCycle(services), true);
    // Another process (or a retried cron) in the same slot fans out nothing.
    services.clock.advance(29 * 60_000);
    assert.deepEqual(await startPollCycle(services), false);
    await waitForQueueIdle();
    // Only the active FedEx shipments were asked for: not UPS (no credentials), not manual.
    assert.deepEqual(fake.batches, [[IN_TRANSIT, LABEL]]);
    services.clock.advance(60_000);
    assert.deepEqual(await startPollCycle(services), true);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches.length, 2);
    const s = await shipment(services, "ORD-1", IN_TRANSIT);
    assert.deepEqual(s.status, "in_transit");
    assert.deepEqual(s.last_refreshed_at, "2026-01-16T12:30:00.000Z");
    assert.deepEqual(s.events.length, 5);
  });
});

Deno.test("delivered shipments drop out of the poll", async () => {
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    fake.fixtures.set(IN_TRANSIT, FEDEX_FIXTURES[DELIVERED]);
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual((await shipment(services, "ORD-1", IN_TRANSIT)).status, "delivered");
    services.clock.advance(30 * 60_000);
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[IN_TRANSIT, LABEL], [LABEL]]);
  });
});

Deno.test("one refresh per stale shipment under 20 concurrent page views", async () => {
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    // Never fetched (no last_refreshed_at): a view asks for the carrier at once.
    const fresh = await shipment(services, "ORD-1", IN_TRANSIT);
    assert.deepEqual(fresh.last_refreshed_at, undefined);
    assert.deepEqual(await requestRefreshIfStale(services, fresh), true);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[IN_TRANSIT]]);
    const s = await shipment(services, "ORD-1", IN_TRANSIT);
    // Fresh: no refresh.
    assert.deepEqual(await requestRefreshIfStale(services, s), false);
    services.clock.advance(31 * 60_000);
    const views = await Promise.all(
      Array.from({ length: 20 }, () => requestRefreshIfStale(services, s)),
    );
    assert.deepEqual(views.filter(Boolean).length, 1);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[IN_TRANSIT], [IN_TRANSIT]]);
    const after = await shipment(services, "ORD-1", IN_TRANSIT);
    assert.deepEqual(after.last_refreshed_at, services.clock.now().toISOString());
    // The refreshed cache is fresh again: more views ask for nothing.
    assert.deepEqual(await requestRefreshIfStale(services, after), false);
    // Manual shipments are never refreshed from a carrier.
    assert.deepEqual(
      await requestRefreshIfStale(services, {
        ...after,
        carrier: "manual",
        last_refreshed_at: undefined,
      }),
      false,
    );
  });
});

Deno.test("exactly one email per status change, even when the queue redelivers", async () => {
  await withPoller(async ({ services, fake }) => {
    await seed(services, { locale: "es" });
    const msg: QueueMessage<PollBatch> = {
      type: POLL_BATCH,
      id: "0000000000000test0000001",
      attempt: 1,
      payload: {
        carrier: "fedex",
        org: "acme",
        items: [{ order_number: "ORD-1", tracking_number: IN_TRANSIT }],
        batch_id: "test-1",
      },
    };
    // label_created → in_transit, delivered three times.
    await handleQueueMessage(services, msg);
    await handleQueueMessage(services, msg);
    await handleQueueMessage(services, msg);
    await waitForQueueIdle();
    let out = await emails(services);
    assert.deepEqual(out.length, 1);
    assert.deepEqual(out[0].to, ["ops@retail.example"]);
    assert.deepEqual(out[0].subject, "Pedido ORD-1: En tránsito");
    assert.match(out[0].text, /Entrega estimada/);
    assert.ok(out[0].text.includes(IN_TRANSIT), `missing ${IN_TRANSIT}`);

    // The next change is one more email.
    fake.fixtures.set(IN_TRANSIT, FEDEX_FIXTURES[OUT]);
    await handleQueueMessage(services, { ...msg, id: "0000000000000test0000002" });
    await handleQueueMessage(services, { ...msg, id: "0000000000000test0000002" });
    await waitForQueueIdle();
    out = await emails(services);
    assert.deepEqual(out.map((e) => e.subject).sort(), [
      "Pedido ORD-1: En reparto",
      "Pedido ORD-1: En tránsito",
    ]);
  });
});

Deno.test("no email after the customer opts out; the status is still updated", async () => {
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    await setTrackingEmailOptOut(services.kv, "acme", "CUST-1", true);
    fake.fixtures.set(LABEL, FEDEX_FIXTURES[DELIVERED]);
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual((await shipment(services, "ORD-1", LABEL)).status, "delivered");
    assert.deepEqual((await shipment(services, "ORD-1", IN_TRANSIT)).status, "in_transit");
    assert.deepEqual((await emails(services)).length, 0);
    // Opting back in brings the emails back for later changes.
    await setTrackingEmailOptOut(services.kv, "acme", "CUST-1", false);
    fake.fixtures.set(IN_TRANSIT, FEDEX_FIXTURES[OUT]);
    services.clock.advance(30 * 60_000);
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual((await emails(services)).map((e) => e.subject), [
      "Order ORD-1: Out for delivery",
    ]);
  });
});

Deno.test("polls and carrier calls are logged per org, newest first, without tokens", async () => {
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    await startPollCycle(services);
    await waitForQueueIdle();
    const page = await listLogs(services.kv, "acme", { limit: 10 });
    assert.deepEqual(page.logs.map((l) => l.kind), ["poll", "carrier_call", "oauth"]);
    const call = page.logs[1];
    assert.deepEqual([call.carrier, call.outcome, call.http_status], ["fedex", "ok", 200]);
    assert.deepEqual(call.tracking_numbers, [IN_TRANSIT, LABEL]);
    assert(typeof call.latency_ms === "number");
    const all = JSON.stringify(await listLogs(services.kv, undefined));
    for (const tok of fake.issuedTokens) assert(!all.includes(tok));
    assert(!all.includes("fx-secret"));
    assert.deepEqual((await listLogs(services.kv, "other")).logs, []);
    // Paging: one row at a time, newest first, then the end.
    const p1 = await listLogs(services.kv, "acme", { limit: 2 });
    const p2 = await listLogs(services.kv, "acme", { limit: 2, cursor: p1.next_cursor! });
    assert.deepEqual([...p1.logs, ...p2.logs].map((l) => l.kind), [
      "poll",
      "carrier_call",
      "oauth",
    ]);
    assert.deepEqual(p2.next_cursor, null);
  });
});

Deno.test("429 backs off by Retry-After; repeated 5xx open the circuit and stop calls", async () => {
  // DENO_ENV=development: no listener here; delayed retries just stay queued.
  await withPoller(async ({ services, fake }) => {
    await seed(services);
    const batch: PollBatch = {
      carrier: "fedex",
      org: "acme",
      items: [{ order_number: "ORD-1", tracking_number: IN_TRANSIT }],
      batch_id: "b1",
    };
    fake.force({ status: 429, headers: { "retry-after": "300" }, body: { errors: [] } });
    const limited = await pollBatch(services, batch);
    assert.deepEqual([limited.failed, limited.retryScheduled, limited.retryDelayMs], [
      1,
      true,
      300_000,
    ]);
    // Without Retry-After the backoff doubles per attempt.
    fake.force({ status: 503, body: { errors: [{ code: "SERVICE.UNAVAILABLE.ERROR" }] } });
    const second = await pollBatch(services, { ...batch, attempt: 2 });
    assert.deepEqual(second.retryDelayMs, 120_000);
    // Attempts are bounded.
    fake.force({ status: 500, body: {} });
    assert.deepEqual((await pollBatch(services, { ...batch, attempt: 3 })).retryScheduled, false);
    assert.deepEqual(await circuitState(services, "fedex"), "closed");

    fake.force({ status: 500, body: {} }, 2);
    await pollBatch(services, { ...batch, batch_id: "b2" });
    const opened = await pollBatch(services, { ...batch, batch_id: "b3" });
    assert.deepEqual(await circuitState(services, "fedex"), "open");
    assert.deepEqual(opened.retryScheduled, false);
    const callsBefore = fake.trackCalls;
    const skipped = await pollBatch(services, { ...batch, batch_id: "b4" });
    assert.deepEqual(skipped.skipped, "circuit_open");
    assert.deepEqual(fake.trackCalls, callsBefore);

    // After the cooldown one probe goes through; its success closes the circuit.
    services.clock.advance(16 * 60_000);
    const probe = await pollBatch(services, { ...batch, batch_id: "b5" });
    assert.deepEqual([probe.skipped, probe.updated], [undefined, 1]);
    assert.deepEqual(await circuitState(services, "fedex"), "closed");
    const logs = (await listLogs(services.kv, "acme", { limit: 100 })).logs;
    assert(logs.some((l) => l.kind === "poll" && l.outcome === "skipped"));
    assert(logs.some((l) => l.kind === "carrier_call" && l.http_status === 429));
  }, { DENO_ENV: "development" });
});

Deno.test("a shipment still undelivered two days after its estimate is flagged overdue", async () => {
  await withPoller(async ({ services }) => {
    await seed(services);
    const batch: PollBatch = {
      carrier: "fedex",
      org: "acme",
      items: [{ order_number: "ORD-1", tracking_number: IN_TRANSIT }],
      batch_id: "o1",
    };
    // Estimate 2026-01-18: on the 20th it is late but within the grace period.
    services.clock.current = new Date("2026-01-20T12:00:00Z");
    await pollBatch(services, batch);
    assert.deepEqual((await shipment(services, "ORD-1", IN_TRANSIT)).overdue, undefined);
    services.clock.current = new Date("2026-01-21T12:00:00Z");
    await pollBatch(services, { ...batch, batch_id: "o2" });
    const s = await shipment(services, "ORD-1", IN_TRANSIT);
    assert.deepEqual([s.overdue, s.estimated_delivery], [true, "2026-01-18"]);
  }, { DENO_ENV: "development" });
});

Deno.test("one cycle polls every configured carrier, batched per org; logs stay per org", async () => {
  const { FakeUps } = await import("@/tests/fakes/carriers/ups.ts");
  const { FakeUsps, USPS_TRANSIT } = await import("@/tests/fakes/carriers/usps.ts");
  const ups = new FakeUps();
  const usps = new FakeUsps();
  try {
    await withPoller(async ({ services, fake }) => {
      await seed(services); // acme: 2 FedEx, 1 UPS, 1 manual
      const now = services.clock.now();
      await createOrg(services.kv, {
        slug: "beta",
        name: "Beta Foods",
        support_email: "help@beta.example",
        support_phone: "1",
      }, now);
      await upsertCustomer(services.kv, "beta", "B1", { name: "B", email: "b@b.example" }, now);
      await upsertOrder(services.kv, "beta", "ORD-9", {
        customer_ref: "B1",
        order_date: "2026-01-14",
        delivery_date: "2026-01-18",
        status: "shipped",
        currency: "USD",
        delivery_address: "x",
        lines: [{ item_code: "P", description: "Thing", qty_ordered: "1", unit_price: "1.00" }],
      }, now);
      for (const [t, carrier] of [[OUT, "fedex"], [USPS_TRANSIT, "usps"]] as const) {
        await upsertShipment(services.kv, "beta", "ORD-9", t, {
          carrier,
          shipped_at: "2026-01-15T10:30:00-05:00",
        }, now);
      }
      await startPollCycle(services);
      await waitForQueueIdle();
      // FedEx: one call per org's batch; UPS and USPS: one call per number.
      assert.deepEqual(fake.batches.map((b) => b.slice().sort()).sort(), [[IN_TRANSIT, LABEL], [
        OUT,
      ]]);
      assert.deepEqual(ups.trackCalls, 1);
      assert.deepEqual(usps.trackCalls, 1);
      const acme = JSON.stringify((await listLogs(services.kv, "acme", { limit: 100 })).logs);
      const beta = JSON.stringify((await listLogs(services.kv, "beta", { limit: 100 })).logs);
      assert(acme.includes(IN_TRANSIT) && acme.includes("1ZCIETST0422222228"));
      assert(!acme.includes(OUT) && !acme.includes(USPS_TRANSIT));
      assert(beta.includes(OUT) && beta.includes(USPS_TRANSIT));
      assert(!beta.includes(IN_TRANSIT));
    }, {
      UPS_CLIENT_ID: "ups-id",
      UPS_CLIENT_SECRET: "ups-secret",
      UPS_BASE_URL: ups.url,
      USPS_CLIENT_ID: "usps-id",
      USPS_CLIENT_SECRET: "usps-secret",
      USPS_BASE_URL: usps.url,
    });
  } finally {
    await ups.close();
    await usps.close();
  }
});
