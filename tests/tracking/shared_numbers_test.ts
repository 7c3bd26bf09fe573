/**
 * One tracking number on two orders (of one customer or of two): each order is polled,
 * stored and emailed on its own, the carrier is asked once, page-view refreshes are per
 * order, and an email sent under the old per-number key is not sent again after the deploy.
 * Real KV, the real queue and dev outbox, the production FedEx adapter and the local server.
 */
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { emailSentMarker, registerEmailHandlers, sendEmail } from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments, upsertShipment } from "@/lib/orders/shipments.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { legacyStatusEmailKey, statusEmailKey } from "@/lib/tracking/notify.ts";
import {
  pollBatch,
  registerTrackingJobs,
  requestRefreshIfStale,
  startPollCycle,
} from "@/lib/tracking/poller.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex, FEDEX_FIXTURES } from "@/tests/fakes/carriers/fedex.ts";
import { makeTestServices, type TestClock, waitForQueueIdle } from "@/tests/helpers/services.ts";

setLogSink(() => {});

const SHARED = "149331877648230"; // in transit in the local FedEx server
const OUT = "231300687629630";
const DELIVERED = "122816215025810";

/** ORD-A and ORD-B of customer A, ORD-C of customer C, all with the SHARED FedEx number. */
async function world(
  fn: (t: { services: Services & { clock: TestClock }; fake: FakeFedex }) => Promise<void>,
) {
  const fake = new FakeFedex();
  const services = await makeTestServices({
    env: { FEDEX_CLIENT_ID: "fx-id", FEDEX_CLIENT_SECRET: "fx-secret", FEDEX_BASE_URL: fake.url },
  });
  registerEmailHandlers();
  registerTrackingJobs(services, { cron: false });
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1], jitter: 0 } });
  const now = services.clock.now();
  await createOrg(services.kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, now);
  for (const ref of ["CUST-A", "CUST-C"]) {
    await upsertCustomer(services.kv, "acme", ref, {
      name: `Customer ${ref}`,
      email: `${ref.toLowerCase()}@example.com`,
    }, now);
  }
  for (const [order, ref] of [["ORD-A", "CUST-A"], ["ORD-B", "CUST-A"], ["ORD-C", "CUST-C"]]) {
    await upsertOrder(services.kv, "acme", order, {
      customer_ref: ref,
      order_date: "2026-01-14",
      delivery_date: "2026-01-18",
      status: "shipped",
      currency: "USD",
      delivery_address: "1 Main St, Columbus, OH",
      lines: [{ item_code: "P-1", description: "Pallet", qty_ordered: "1", unit_price: "9.00" }],
    }, now);
    await upsertShipment(services.kv, "acme", order, SHARED, {
      carrier: "fedex",
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, now);
  }
  try {
    await fn({ services, fake });
  } finally {
    services.close();
    await listener;
    await fake.close();
  }
}

const ORDERS = { "ORD-A": "CUST-A", "ORD-B": "CUST-A", "ORD-C": "CUST-C" } as const;

async function statuses(services: Services) {
  const out: Record<string, string> = {};
  for (const [order, ref] of Object.entries(ORDERS)) {
    const [s] = await getShipments(services.kv, "acme", ref, order);
    out[order] = s.status;
  }
  return out;
}

async function subjects(services: Services) {
  const { entries } = await listOutbox(services.kv, { limit: 100 });
  return entries.map((e) => `${e.to[0]} ${e.subject}`).sort();
}

Deno.test("a number on three orders: one carrier call, each order stored and emailed", async () => {
  await world(async ({ services, fake }) => {
    await startPollCycle(services);
    await waitForQueueIdle();
    // One batch for the org, the number asked once.
    assert.deepEqual(fake.batches, [[SHARED]]);
    assert.deepEqual(await statuses(services), {
      "ORD-A": "in_transit",
      "ORD-B": "in_transit",
      "ORD-C": "in_transit",
    });
    assert.deepEqual(await subjects(services), [
      "cust-a@example.com Order ORD-A: In transit",
      "cust-a@example.com Order ORD-B: In transit",
      "cust-c@example.com Order ORD-C: In transit",
    ]);
    for (const [order, ref] of Object.entries(ORDERS)) {
      const key = statusEmailKey(
        { org: "acme", customer_ref: ref, order_number: order, tracking_number: SHARED },
        "in_transit",
      );
      assert(await emailSentMarker(services.kv, key), key);
    }

    // The next change reaches every order again; a redelivered batch sends nothing more.
    fake.fixtures.set(SHARED, FEDEX_FIXTURES[OUT]);
    const batch = {
      carrier: "fedex" as const,
      org: "acme",
      items: Object.keys(ORDERS).map((o) => ({ order_number: o, tracking_number: SHARED })),
      batch_id: "shared-2",
    };
    const first = await pollBatch(services, batch);
    await pollBatch(services, batch);
    await waitForQueueIdle();
    assert.deepEqual([first.updated, first.changed, first.emails], [3, 3, 3]);
    assert.deepEqual((await subjects(services)).filter((s) => s.includes("Out for")).length, 3);
    assert.deepEqual(fake.batches.at(-1), [SHARED]);
  });
});

Deno.test("page-view refreshes are per order: two orders with one number both refresh", async () => {
  await world(async ({ services, fake }) => {
    const [a] = await getShipments(services.kv, "acme", "CUST-A", "ORD-A");
    const [c] = await getShipments(services.kv, "acme", "CUST-C", "ORD-C");
    // Both never fetched: each view asks for its own order's refresh, once.
    assert.deepEqual(await requestRefreshIfStale(services, a), true);
    assert.deepEqual(await requestRefreshIfStale(services, a), false);
    assert.deepEqual(await requestRefreshIfStale(services, c), true);
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[SHARED], [SHARED]]);
    const after = await statuses(services);
    assert.deepEqual([after["ORD-A"], after["ORD-B"], after["ORD-C"]], [
      "in_transit",
      "label_created",
      "in_transit",
    ]);
  });
});

Deno.test("an email sent under the old per-number key is not sent again after the deploy", async () => {
  await world(async ({ services, fake }) => {
    // Before issue 11: one "in transit" email for the number (whichever order got it).
    await sendEmail(services, {
      org: "acme",
      to: "cust-a@example.com",
      subject: "Order ORD-A: In transit",
      html: "<p>old</p>",
      text: "old",
      idempotencyKey: legacyStatusEmailKey("acme", SHARED, "in_transit"),
    });
    await waitForQueueIdle();
    // The process died before storing the status: the redelivered poll sees the change again.
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual(await subjects(services), ["cust-a@example.com Order ORD-A: In transit"]);
    assert.deepEqual((await statuses(services))["ORD-C"], "in_transit");
    // Statuses after the deploy reach every order.
    fake.fixtures.set(SHARED, FEDEX_FIXTURES[DELIVERED]);
    services.clock.advance(30 * 60_000);
    await startPollCycle(services);
    await waitForQueueIdle();
    assert.deepEqual((await subjects(services)).filter((s) => s.includes("Delivered")), [
      "cust-a@example.com Order ORD-A: Delivered",
      "cust-a@example.com Order ORD-B: Delivered",
      "cust-c@example.com Order ORD-C: Delivered",
    ]);
  });
});
