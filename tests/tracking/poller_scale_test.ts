/**
 * The poller at scale (issue 14), on a fake clock over real KV (`:memory:`), the real queue
 * and the local carrier servers: paging covers every active shipment once per round under
 * redelivery, the carriers' limits hold in every window of their arrival logs, FedEx gets
 * at most 30 numbers a call, the day's quota defers fairly, a crash mid-round neither skips
 * nor double-counts and emails stay exactly-once, and each round's stats are recorded
 * (the KV operations measured by wrapping the handle).
 */
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import type { Shipment } from "@/lib/orders/model.ts";
import {
  handleQueueMessage,
  type QueueMessage,
  type QueueObserver,
  startQueueListener,
} from "@/lib/queue/queue.ts";
import { recordFailure } from "@/lib/tracking/circuit.ts";
import { listLogs } from "@/lib/tracking/integration_log.ts";
import { meteredKv, newMeter } from "@/lib/tracking/kv_meter.ts";
import { POLL_BATCH, registerTrackingJobs, startPollCycle } from "@/lib/tracking/poller.ts";
import { parseRateLimits } from "@/lib/tracking/rate_limits.ts";
import { type CarrierRound, latestRounds, POLL_PAGE } from "@/lib/tracking/rounds.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex, FEDEX_FIXTURES } from "@/tests/fakes/carriers/fedex.ts";
import { FakeUps, UPS_FIXTURES } from "@/tests/fakes/carriers/ups.ts";
import { FakeUsps, USPS_FIXTURES, USPS_TRANSIT } from "@/tests/fakes/carriers/usps.ts";
import { type FakeCarrierOptions, maxInWindow } from "@/tests/fakes/carriers/base.ts";
import { makeTestServices, TestClock, waitForQueueIdle } from "@/tests/helpers/services.ts";
import { startOrdersServer } from "@/tests/orders/server_helpers.ts";
import {
  activeIdentities,
  answeredTracking,
  relabel,
  type ScaleCarrier,
  seedActiveShipments,
} from "./poller_scale_helpers.ts";

setLogSink(() => {});

const FEDEX_SAMPLE = "149331877648230";
const UPS_SAMPLE = "1ZCIETST0422222228";

/** Every number is answered with an in-transit sample (relabelled to it). */
const answers: Record<ScaleCarrier, (n: string) => unknown> = {
  fedex: (n) => relabel(FEDEX_FIXTURES[FEDEX_SAMPLE], FEDEX_SAMPLE, n),
  ups: (n) => relabel(UPS_FIXTURES[UPS_SAMPLE], UPS_SAMPLE, n),
  usps: (n) => relabel(USPS_FIXTURES[USPS_TRANSIT], USPS_TRANSIT, n),
};

interface World {
  services: Services & { clock: TestClock };
  fedex: FakeFedex;
  ups: FakeUps;
  usps: FakeUsps;
  /** Every poll page and batch message committed to the queue. */
  messages: QueueMessage[];
}

interface WorldOptions {
  env?: Record<string, string>;
  /** Limits the fake carriers enforce (default: the same as the poller's env, if any). */
  enforce?: boolean;
  /** Wraps the KV handle (a crash injector). */
  wrapKv?: (kv: Deno.Kv) => Deno.Kv;
  carriers?: ScaleCarrier[];
  clock?: TestClock;
}

async function world(fn: (w: World) => Promise<void>, opts: WorldOptions = {}) {
  const clock = opts.clock ?? new TestClock(new Date("2026-01-16T12:00:00Z"));
  const env: Record<string, string> = { TRACKING_SPREAD_SECONDS: "0", ...opts.env };
  const fake = (carrier: ScaleCarrier): FakeCarrierOptions => {
    const limits = env[`${carrier.toUpperCase()}_RATE_LIMITS`];
    return {
      clock,
      fallback: answers[carrier],
      ...(opts.enforce && limits ? { rateLimits: parseRateLimits(limits) } : {}),
    };
  };
  const fedex = new FakeFedex(fake("fedex"));
  const ups = new FakeUps(fake("ups"));
  const usps = new FakeUsps(fake("usps"));
  const carriers = opts.carriers ?? ["fedex", "ups", "usps"];
  const creds: Record<string, string> = {};
  if (carriers.includes("fedex")) {
    Object.assign(creds, {
      FEDEX_CLIENT_ID: "fx-id",
      FEDEX_CLIENT_SECRET: "fx-secret",
      FEDEX_BASE_URL: fedex.url,
    });
  }
  if (carriers.includes("ups")) {
    Object.assign(creds, {
      UPS_CLIENT_ID: "ups-id",
      UPS_CLIENT_SECRET: "ups-secret",
      UPS_BASE_URL: ups.url,
    });
  }
  if (carriers.includes("usps")) {
    Object.assign(creds, {
      USPS_CLIENT_ID: "usps-id",
      USPS_CLIENT_SECRET: "usps-secret",
      USPS_BASE_URL: usps.url,
    });
  }
  const raw = await Deno.openKv(":memory:");
  const services = await makeTestServices({
    kv: opts.wrapKv ? opts.wrapKv(raw) : raw,
    clock,
    env: { ...creds, ...env },
  });
  const messages: QueueMessage[] = [];
  const tracker = services.queueObserver!;
  const observer: QueueObserver = {
    enqueued(m) {
      if (m.type === POLL_PAGE || m.type === POLL_BATCH) messages.push(m);
      tracker.enqueued?.(m);
    },
    settled: (m) => tracker.settled?.(m),
    retryScheduled: (e) => tracker.retryScheduled?.(e),
  };
  services.queueObserver = observer;
  registerEmailHandlers();
  registerTrackingJobs(services, { cron: false });
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1, 1], jitter: 0 } });
  try {
    await fn({ services: services as World["services"], fedex, ups, usps, messages });
  } finally {
    services.close();
    raw.close();
    await listener;
    await Promise.all([fedex.close(), ups.close(), usps.close()]);
  }
}

/** Forgets what the fakes saw so far (the seeding's own sample calls). */
function resetFakes(w: World) {
  for (const f of [w.fedex, w.ups, w.usps]) {
    f.calls.length = 0;
    f.arrivals.length = 0;
  }
  w.fedex.batches.length = 0;
  w.ups.tracked.length = 0;
}

async function seedUpToDate(
  w: World,
  counts: Partial<Record<ScaleCarrier, number>>,
  orgs = ["acme", "globex"],
) {
  const services = w.services;
  const tracking: Partial<Record<ScaleCarrier, Partial<Shipment>>> = {};
  for (const c of Object.keys(counts) as ScaleCarrier[]) {
    tracking[c] = await answeredTracking(services, c);
  }
  resetFakes(w);
  return seedActiveShipments(services, {
    orgs,
    customersPerOrg: 3,
    counts,
    tracking: (c) => tracking[c]!,
  });
}

/** How many times each number was asked about, per carrier, from the fakes' own records. */
function askedCounts(w: World): Record<ScaleCarrier, Map<string, number>> {
  const count = (numbers: string[]) => {
    const m = new Map<string, number>();
    for (const n of numbers) m.set(n, (m.get(n) ?? 0) + 1);
    return m;
  };
  const uspsNumbers = w.usps.calls.filter((c) => c.path.startsWith("/tracking/v3/tracking/"))
    .map((c) => decodeURIComponent(c.path.split("/")[4].split("?")[0]));
  return {
    fedex: count(w.fedex.batches.flat()),
    ups: count(w.ups.tracked),
    usps: count(uspsNumbers),
  };
}

const numberOf = (identity: string) => identity.split("/")[2];

async function carrierRound(services: Services, carrier: string): Promise<CarrierRound> {
  const [round] = await latestRounds(services.kv, { limit: 1 });
  return round.carriers.find((c) => c.carrier === carrier)!;
}

Deno.test("a round pages through every active shipment exactly once, even when every message is redelivered", async () => {
  await world(async (w) => {
    const counts = { fedex: 1_230, ups: 260, usps: 40 };
    await seedUpToDate(w, counts);
    const identities = {
      fedex: await activeIdentities(w.services.kv, "fedex"),
      ups: await activeIdentities(w.services.kv, "ups"),
      usps: await activeIdentities(w.services.kv, "usps"),
    };
    await startPollCycle(w.services);
    await waitForQueueIdle();
    // KV redelivers every page and batch message once more (a lost ack, a crashed isolate).
    for (const m of [...w.messages]) await handleQueueMessage(w.services, m);
    await waitForQueueIdle();

    const asked = askedCounts(w);
    for (const carrier of ["fedex", "ups", "usps"] as const) {
      assert.deepEqual(identities[carrier].length, counts[carrier]);
      const numbers = identities[carrier].map(numberOf).sort();
      assert.deepEqual([...asked[carrier].keys()].sort(), numbers, `${carrier}: every shipment`);
      assert.deepEqual(
        [...asked[carrier].values()].every((n) => n === 1),
        true,
        `${carrier}: once each`,
      );
      const r = await carrierRound(w.services, carrier);
      assert.deepEqual(
        [r.due, r.polled, r.deferred, r.failed, r.changed],
        [counts[carrier], counts[carrier], 0, 0, 0],
      );
      assert.deepEqual(r.batches_done, r.batches_planned);
      assert.ok(r.completed_at);
    }
    // Pages of 500: the FedEx index (1,230) took three, each page's batches per org.
    assert.ok(w.messages.filter((m) => m.type === POLL_PAGE).length >= 3 + 1 + 1);
    assert.ok(w.fedex.batches.every((b) => b.length <= 30));
    // Batches are per org and page: ⌈615/30⌉ per org, plus a split at each page's end.
    assert.ok(w.fedex.batches.length <= 2 * 21 + 3, `${w.fedex.batches.length} FedEx calls`);
    // The round completed once per carrier: one log row each.
    const { logs } = await listLogs(w.services.kv, "_system", { limit: 200 });
    const done = logs.filter((l) => l.kind === "poll" && l.detail?.includes("complete"));
    assert.deepEqual(done.map((l) => l.carrier).sort(), ["fedex", "sandbox", "ups", "usps"]);
  }, { env: { UPS_RATE_LIMITS: "1000/1s", USPS_RATE_LIMITS: "1000/1m" } });
});

Deno.test("the carriers' rate limits hold in every window of their arrival logs, and calls are spread", async () => {
  const env = {
    FEDEX_RATE_LIMITS: "40/10s,100000/day",
    UPS_RATE_LIMITS: "20/10s",
    USPS_RATE_LIMITS: "6/1m",
    TRACKING_SPREAD_SECONDS: "60",
  };
  await world(async (w) => {
    await seedUpToDate(w, { fedex: 600, ups: 20, usps: 3 }, ["acme"]);
    await startPollCycle(w.services);
    await waitForQueueIdle();
    const asked = askedCounts(w);
    assert.deepEqual([asked.fedex.size, asked.ups.size, asked.usps.size], [600, 20, 3]);
    assert.deepEqual([w.fedex.rateLimited, w.ups.rateLimited, w.usps.rateLimited], [0, 0, 0]);
    assert.ok(maxInWindow(w.fedex.arrivals, 10_000) <= 40);
    assert.ok(maxInWindow(w.ups.arrivals, 10_000) <= 20);
    assert.ok(maxInWindow(w.usps.arrivals, 60_000) <= 6);
    // 30 numbers a call; a batch ends with its page (500 entries): 16 + 1 + 3 + 1 calls.
    assert.deepEqual(w.fedex.batches.length, 21);
    assert.ok(w.fedex.batches.every((b) => b.length <= 30));
    // Batches are placed over the spread at the round's pace, not sent in a burst.
    const places = w.messages.filter((m) => m.type === POLL_BATCH)
      .map((m) => (m.payload as { round: { not_before_ms: number } }).round.not_before_ms);
    const start = w.services.clock.now().getTime() - 120_000;
    assert.ok(places.every((t) => t >= start && t < start + 120_000 + 60_000), "in the spread");
    const usps = await carrierRound(w.services, "usps");
    // USPS: 6 a minute, 80 % of it: a call every 15 s; 3 start in the spread's first 48 s.
    assert.deepEqual(usps.allowance, 3);
    const uspsTimes = [...w.usps.arrivals].sort((a, b) => a - b);
    // A call every 15 s: three calls span 30 s (less a call that left a little late).
    assert.ok(uspsTimes.at(-1)! - uspsTimes[0] >= 2 * 15_000 - 2_000, "USPS calls spread");
    // Time flows (10× real) while calls are in flight, as it does for a carrier.
  }, { env, enforce: true, clock: TestClock.fast(10) });
});

Deno.test("over the day's quota a round defers the rest to the next, oldest refresh first", async () => {
  // 96 FedEx calls a day from 12:00 UTC: 24 rounds left, 4 calls (120 numbers) each.
  const env = { FEDEX_RATE_LIMITS: "1400/10s,96/day" };
  await world(async (w) => {
    await seedUpToDate(w, { fedex: 300 }, ["acme"]);
    const order = (await activeIdentities(w.services.kv, "fedex")).map(numberOf);
    const rounds: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const before = w.fedex.batches.length;
      await startPollCycle(w.services);
      await waitForQueueIdle();
      rounds.push(w.fedex.batches.slice(before).flat());
      const r = await carrierRound(w.services, "fedex");
      assert.deepEqual([r.due, r.polled, r.deferred, r.failed], [300, 120, 180, 0]);
      w.services.clock.advance(30 * 60_000);
    }
    const sorted = (a: string[]) => [...a].sort();
    assert.deepEqual(sorted(rounds[0]), sorted(order.slice(0, 120)));
    assert.deepEqual(sorted(rounds[1]), sorted(order.slice(120, 240)));
    // The ring goes on: the 60 left, then the ones refreshed longest ago.
    assert.deepEqual(sorted(rounds[2]), sorted([...order.slice(240), ...order.slice(0, 60)]));
    assert.deepEqual(w.fedex.rateLimited, 0);
  }, { env, enforce: true, carriers: ["fedex"] });
});

Deno.test("a crash mid-round: the batch is polled again, counted once, and each email goes out once", async () => {
  let crashes = 1;
  // Fails the first batch's final commit (its counts): the handler throws after it polled.
  const wrapKv = (kv: Deno.Kv) =>
    new Proxy(kv, {
      get(target, prop) {
        if (prop !== "atomic") {
          const v = Reflect.get(target, prop, target);
          return typeof v === "function" ? v.bind(target) : v;
        }
        return () => {
          const op = target.atomic();
          let counts = false;
          const sum = op.sum.bind(op);
          op.sum = (key, n) => {
            if (key[0] === "tracking_round_stats" && key[3] === "batches_done") counts = true;
            return sum(key, n);
          };
          const commit = op.commit.bind(op);
          op.commit = () => {
            if (counts && crashes > 0) {
              crashes--;
              return Promise.reject(new Error("isolate crashed"));
            }
            return commit();
          };
          return op;
        };
      },
    });
  await world(async (w) => {
    // New labels: the carrier's answer moves each to in transit, one email per shipment.
    await seedActiveShipments(w.services, {
      orgs: ["acme"],
      customersPerOrg: 1,
      counts: { fedex: 45 },
    });
    await startPollCycle(w.services);
    await waitForQueueIdle();
    assert.deepEqual(crashes, 0);
    const asked = askedCounts(w).fedex;
    assert.deepEqual(asked.size, 45);
    // At least once: the crashed batch was asked again (30 or 15 numbers), the rest once.
    const twice = [...asked.values()].filter((n) => n === 2).length;
    assert.ok(twice === 30 || twice === 15, `re-polled ${twice}`);
    const r = await carrierRound(w.services, "fedex");
    assert.deepEqual([r.due, r.polled, r.batches_done, r.batches_planned], [45, 45, 2, 2]);
    assert.ok(r.completed_at);
    const { entries } = await listOutbox(w.services.kv, { limit: 200 });
    assert.deepEqual(entries.length, 45);
  }, { wrapKv, carriers: ["fedex"] });
});

Deno.test("a round skips what it must not poll and records its stats; KV operations are measured", async () => {
  const meter = newMeter();
  await world(async (w) => {
    const now = w.services.clock.now();
    await seedUpToDate(w, { fedex: 4, usps: 2 }, ["acme"]);
    await seedActiveShipments(w.services, {
      orgs: ["acme"],
      customersPerOrg: 1,
      counts: { ups: 2 },
    });
    const [entry] = await activeIdentities(w.services.kv, "fedex");
    const [, order, awaiting] = entry.split("/");
    // A label the carrier has not scanned: checked 10 minutes ago, so not due for 30.
    await applyTrackingUpdate(w.services.kv, "acme", order, awaiting, {
      status: "label_created",
      events: [],
      awaiting_first_scan: true,
      last_refreshed_at: new Date(now.getTime() - 10 * 60_000).toISOString(),
    });
    // USPS keeps failing: its circuit is open, the round leaves it alone.
    for (let i = 0; i < 5; i++) await recordFailure(w.services, "usps");
    await w.services.kv.set(["probe"], 1);
    const before = meter.calls;
    await startPollCycle(w.services);
    await waitForQueueIdle();
    const measured = meter.calls - before;

    const asked = askedCounts(w);
    assert.deepEqual(asked.fedex.size, 3);
    assert.deepEqual(asked.fedex.has(awaiting), false);
    assert.deepEqual([asked.ups.size, asked.usps.size], [0, 0]);
    const [round] = await latestRounds(w.services.kv);
    const by = Object.fromEntries(round.carriers.map((c) => [c.carrier, c]));
    assert.deepEqual([by.fedex.due, by.fedex.polled, by.fedex.changed], [3, 3, 0]);
    assert.deepEqual(by.fedex.carrier_calls, 1);
    assert.deepEqual(by.ups.skipped, "not_polled");
    assert.deepEqual(by.usps.skipped, "circuit_open");
    assert.ok(round.completed_at && round.duration_ms !== null);
    // Every KV round trip of the round is in its stats (the cron's own enqueue is not).
    assert.deepEqual(round.totals.kv_ops, measured - 1);
    // The org's share: acme is the only org here.
    const [mine] = await latestRounds(w.services.kv, { org: "acme" });
    assert.deepEqual(mine.totals.polled, 3);
    const [theirs] = await latestRounds(w.services.kv, { org: "globex" });
    assert.deepEqual(theirs.totals.polled, 0);
  }, {
    carriers: ["fedex", "usps"],
    wrapKv: (kv) => meteredKv(kv, meter),
  });
});

Deno.test("GET /api/admin/v1/integrations/rounds: the key's org's share of the newest rounds", async () => {
  const s = await startOrdersServer();
  const closing: Promise<void>[] = [];
  try {
    await s.org("acme");
    await s.org("other");
    const key = await s.adminKey("acme");
    const otherKey = await s.adminKey("other");
    registerTrackingJobs(s.services, { cron: false });
    const listener = startQueueListener(s.services);
    closing.push(listener);
    await seedActiveShipments(s.services, { orgs: ["acme"], customersPerOrg: 1, counts: {} });
    // A round of the demo sandbox carrier over acme's shipments (no carrier credentials).
    await upsertShipment(s.services.kv, "acme", "T-C0", "SBX-1", {
      carrier: "sandbox",
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, s.services.clock.now());
    await startPollCycle(s.services);
    await waitForQueueIdle();
    const res = await s.fetch("/api/admin/v1/integrations/rounds?limit=5", {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.deepEqual(res.status, 200);
    const { rounds } = await res.json();
    assert.deepEqual(rounds.length, 1);
    const sandbox = rounds[0].carriers.find((c: { carrier: string }) => c.carrier === "sandbox");
    assert.deepEqual([sandbox.due, sandbox.polled, sandbox.carrier_calls], [1, 1, 0]);
    assert.ok(rounds[0].completed_at);
    assert.deepEqual(
      rounds[0].carriers.find((c: { carrier: string }) => c.carrier === "fedex").skipped,
      "not_polled",
    );
    // Another org sees the round, none of acme's shipments.
    const other = await (await s.fetch("/api/admin/v1/integrations/rounds", {
      headers: { authorization: `Bearer ${otherKey}` },
    })).json();
    assert.deepEqual(other.rounds[0].carriers.every((c: { due: number }) => c.due === 0), true);
    // Hostile input is a 422, never a 500; no key is a 401.
    const bad = await s.fetch("/api/admin/v1/integrations/rounds?limit=0", {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.deepEqual(bad.status, 422);
    await bad.body?.cancel();
    const anon = await s.fetch("/api/admin/v1/integrations/rounds");
    assert.deepEqual(anon.status, 401);
    await anon.body?.cancel();
  } finally {
    await s.close();
    await Promise.all(closing);
  }
});
