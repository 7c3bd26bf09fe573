/**
 * The tracking poller. `Deno.cron` every 30 minutes enqueues one round message; the round
 * (rounds.ts) pages through each carrier's active shipments and enqueues per-org poll
 * batches spread over TRACKING_SPREAD_SECONDS within the carrier's rate limits
 * (rate_limits.ts), deferring what does not fit to the next round. A batch:
 * - waits for its place in the spread, then takes its calls from the carrier's limits
 *   (shared by every process in KV) before each call group;
 * - is skipped while the carrier's circuit is open (an outage must not burn the quota);
 * - calls the adapter, logs every carrier call for the org (INT-003);
 * - for each result: when the status changed, queues the customer email FIRST (keyed, so a
 *   redelivery re-queues nothing) and then stores the update, so a crash between the two
 *   can never lose the email and a redelivery after both can never repeat it;
 * - re-enqueues only the numbers that hit a 429/5xx, after max(Retry-After, backoff);
 * - a label the carrier has not scanned yet ("awaiting first scan") is no failure: it is
 *   marked on the shipment and asked about again on the new-label schedule (first_scan.ts),
 *   sooner than the cron at first and less often once it is days old.
 *
 * A page view calls `requestRefreshIfStale`, which enqueues a one-shipment poll keyed per
 * shipment (org, order, number) and staleness window: any number of concurrent views make one
 * refresh, and the page never waits for a carrier.
 *
 * A shipment is (org, order, tracking number): two orders, of one customer or two, can carry
 * the same number (one pallet split over two orders, a reused number), and each is loaded,
 * asked about, stored and emailed on its own; a carrier is still called once per number.
 *
 * Everything runs on `services.clock`, so tests drive it with a fake clock and call
 * `startPollCycle`, `handlePollAll` and `pollBatch` directly.
 */
import { z } from "zod";
import type { CarrierId, Org, Shipment } from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { estimateEnds } from "@/lib/orders/running_late.ts";
import {
  applyTrackingUpdate,
  getShipmentsForPoll,
  type PolledShipment,
  ShipmentNotFoundError,
  touchShipments,
  trackingApplied,
  type TrackingUpdate,
} from "@/lib/orders/shipments.ts";
import { enqueue, enqueueInAtomic, registerQueueHandler } from "@/lib/queue/queue.ts";
import { log } from "@/lib/log.ts";
import { realMs, type Services, sleepOn } from "@/lib/services.ts";
import { adapterMode, createAdapter, POLLED_CARRIERS } from "./adapters.ts";
import { type KvMeter, meteredKv, newMeter } from "./kv_meter.ts";
import { lateToleranceMs, rateLimitsFor, reserveCalls, spacingMs } from "./rate_limits.ts";
import {
  batchCounted,
  callsFor,
  handlePollPage,
  PagePayloadSchema,
  POLL_PAGE,
  recordBatch,
  startRound,
} from "./rounds.ts";
import { circuitAllows, recordFailure, recordSuccess } from "./circuit.ts";
import { firstScanDue, firstScanRecheckMs } from "./first_scan.ts";
import { logOps, type NewLogEntry, writeLog } from "./integration_log.ts";
import { sendStatusEmail, statusEmailTemplate } from "./notify.ts";
import { registerEmailTemplate } from "@/lib/email/templates.ts";
import {
  type CarrierCall,
  isAwaitingFirstScan,
  type TrackRequest,
  type TrackResult,
} from "./types.ts";

export const TRACKING_POLL_CRON = "*/30 * * * *";
export const POLL_INTERVAL_MS = 30 * 60_000;
export const POLL_ALL = "tracking.poll_all";
export const POLL_BATCH = "tracking.poll_batch";
/** Attempts per batch for numbers that hit a 429 or 5xx (the next cron tries again anyway). */
export const MAX_POLL_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 30 * 60_000;
/** A shipment still undelivered this long after the end of its estimated day is overdue. */
export const OVERDUE_GRACE_MS = 2 * 24 * 3_600_000;

const PollAllPayload = z.object({ slot: z.number().int() });

const PollBatchPayload = z.object({
  carrier: z.enum(POLLED_CARRIERS),
  org: z.string().min(1),
  items: z.array(z.object({
    order_number: z.string(),
    tracking_number: z.string(),
    /** The order's owner, from the page entry (saves a read). */
    customer_ref: z.string().optional(),
  })).min(1).max(50),
  /** Stable id of the batch (for retry keys and logs). */
  batch_id: z.string().min(1).max(300),
  attempt: z.number().int().min(1).default(1),
  reason: z.enum(["cron", "refresh", "retry"]).default("cron"),
  /** A round's batch: its slot and place in the spread (counted once per batch). */
  round: z.object({ slot: z.number().int(), not_before_ms: z.number().int() }).optional(),
});
export type PollBatch = z.input<typeof PollBatchPayload>;

/**
 * Registers the queue handlers and (unless `cron: false`) the 30-minute cron job.
 * Call once at start-up, after the queue listener's module is loaded.
 */
export function registerTrackingJobs(
  services: Services,
  opts: { cron?: boolean } = {},
): void {
  registerEmailTemplate(statusEmailTemplate);
  registerQueueHandler(POLL_ALL, handlePollAll, { schema: PollAllPayload });
  registerQueueHandler(POLL_BATCH, handlePollBatchMessage, {
    schema: PollBatchPayload as unknown as z.ZodType<PollBatch>,
  });
  registerQueueHandler(POLL_PAGE, handlePollPageMessage, { schema: PagePayloadSchema });
  if (opts.cron !== false) {
    Deno.cron("tracking-poll", TRACKING_POLL_CRON, async () => {
      await startPollCycle(services);
    });
  }
}

const slotOf = (d: Date) => Math.floor(d.getTime() / POLL_INTERVAL_MS);

/**
 * What the cron runs: one fan-out message per 30-minute slot. Keyed by the slot, so several
 * server processes running the same cron (or a retried cron) fan out once.
 */
export async function startPollCycle(services: Services): Promise<boolean> {
  const slot = slotOf(services.clock.now());
  const res = await enqueue(services, POLL_ALL, { slot }, {
    key: `${POLL_ALL}:${slot}`,
    dedupForMs: POLL_INTERVAL_MS * 2,
  });
  return res.enqueued;
}

/** The round of the slot (rounds.ts): one record and first page message per carrier. */
export async function handlePollAll(
  payload: z.infer<typeof PollAllPayload>,
  services: Services,
): Promise<void> {
  await startRound(services, payload.slot, POLL_INTERVAL_MS);
}

function handlePollPageMessage(
  payload: z.infer<typeof PagePayloadSchema>,
  services: Services,
): Promise<void> {
  return handlePollPage(services, payload, (s, op, b, delayMs) => {
    const batch: PollBatch = {
      carrier: b.carrier,
      org: b.org,
      items: b.items,
      batch_id: b.batch_id,
      attempt: 1,
      reason: "cron",
      round: b.round,
    };
    enqueueInAtomic(s, op, POLL_BATCH, batch, { delayMs });
  });
}

function handlePollBatchMessage(payload: PollBatch, services: Services): Promise<void> {
  return pollBatch(services, payload).then(() => undefined);
}

/** A shipment being polled: as read, with its order's owner (emails go to them). */
type Loaded = PolledShipment;
export function isOverdue(
  s: { status: string; estimated_delivery?: string },
  now: Date,
): boolean {
  if (s.status === "delivered" || !s.estimated_delivery) return false;
  // The day rule of lib/orders/running_late.ts, then the grace.
  return now.getTime() >= estimateEnds(s.estimated_delivery) + OVERDUE_GRACE_MS;
}

export interface BatchOutcome {
  skipped?: "circuit_open" | "not_polled";
  updated: number;
  /** Status changes. */
  changed: number;
  /** Shipments asked about (a number two orders share counts for each). */
  polled: number;
  /** Shipments whose stored tracking changed (not only `last_refreshed_at`). */
  modified: number;
  /** Left for a later round: the carrier's limits had no room (round batches only). */
  deferred: number;
  carrierCalls: number;
  emails: number;
  failed: number;
  retryScheduled: boolean;
  /** The delay of the scheduled retry: max(Retry-After, exponential backoff). */
  retryDelayMs?: number;
}

const RETRYABLE = new Set(["rate_limited", "server_error"]);
const CALL_FAILURE = new Set(["rate_limited", "server_error", "auth"]);

const keys = {
  lastSuccess: (carrier: CarrierId): Deno.KvKey => ["tracking_last_success", carrier],
};

/** A batch as read from its message (defaults filled in). */
type Batch = z.infer<typeof PollBatchPayload>;

/**
 * Polls one batch now, in steps: skip a carrier that is off or whose circuit is open; load
 * the shipments still worth asking about; call the carrier (every call logged); email status
 * changes and store each result; count the batch for the circuit; schedule a retry for the
 * numbers that hit a 429/5xx; log the poll. Safe to run twice for the same message (see the
 * module comment).
 */
export async function pollBatch(services: Services, raw: PollBatch): Promise<BatchOutcome> {
  const batch = PollBatchPayload.parse(raw);
  const meter = newMeter();
  const metered: Services = { ...services, kv: meteredKv(services.kv, meter) };
  const outcome: BatchOutcome = {
    updated: 0,
    changed: 0,
    polled: 0,
    modified: 0,
    deferred: 0,
    carrierCalls: 0,
    emails: 0,
    failed: 0,
    retryScheduled: false,
  };
  const round = batch.round;
  if (round) {
    // Counted already: a redelivery after the batch's last commit.
    if (await batchCounted(metered.kv, round, batch.carrier, batch.batch_id)) return outcome;
    await sleepOn(services.clock, round.not_before_ms - services.clock.now().getTime());
  }
  const skipped = await skipReason(metered, batch);
  if (skipped) {
    outcome.deferred = batch.items.length;
    await countRound(metered, batch, outcome, meter);
    return { ...outcome, skipped };
  }
  const loaded = await loadBatch(metered, batch);
  if (loaded.length === 0) {
    await countRound(metered, batch, outcome, meter);
    return outcome;
  }
  const started = performance.now();
  const rows: NewLogEntry[] = [];
  const { results, asked } = await trackPaced(metered, batch, loaded, outcome, rows);
  const polled = loaded.slice(0, asked);
  outcome.polled = polled.length;
  const applied = await applyResults(metered, batch, polled, results, outcome);
  if (asked < loaded.length) {
    if (round) outcome.deferred += loaded.length - asked;
    else {
      // A refresh that found no room in the limits asks again later, like a 429.
      for (const l of loaded.slice(asked)) applied.retry.push(itemOf(l));
      applied.retryAfterMs = Math.max(applied.retryAfterMs, 60_000);
    }
  }
  const circuit = results.length
    ? await countForCircuit(metered, batch.carrier, results)
    : "closed";
  if (applied.retry.length && batch.attempt < MAX_POLL_ATTEMPTS && circuit !== "open") {
    outcome.retryDelayMs = await scheduleRetry(metered, batch, applied);
    outcome.retryScheduled = true;
  }
  rows.push(pollRow(batch, polled, outcome, {
    notFound: applied.notFound,
    circuit,
    ms: Math.round(performance.now() - started),
  }));
  if (outcome.failed) {
    log.warn("tracking poll had failures", {
      carrier: batch.carrier,
      org: batch.org,
      failed: outcome.failed,
    });
  }
  const succeeded = results.length > 0 && circuit === "closed" &&
    !results.some((r) => !r.ok && CALL_FAILURE.has(r.reason));
  // The batch's log rows, its carrier's last success and its round counts: one commit.
  const finish = (op: Deno.AtomicOperation) => {
    for (const row of rows) logOps(metered, op, row);
    if (succeeded) op.set(keys.lastSuccess(batch.carrier), metered.clock.now().toISOString());
  };
  if (batch.round) await countRound(metered, batch, outcome, meter, finish);
  else {
    const op = metered.kv.atomic();
    finish(op);
    await op.commit();
  }
  return outcome;
}

const itemOf = (l: Loaded): PollBatch["items"][number] => ({
  order_number: l.shipment.order_number,
  tracking_number: l.shipment.tracking_number,
  customer_ref: l.customerRef,
});

/** A round's batch adds what it did to the round's counts (once per batch). */
async function countRound(
  services: Services,
  batch: Batch,
  o: BatchOutcome,
  meter: KvMeter,
  extra?: (op: Deno.AtomicOperation) => void,
) {
  if (!batch.round) return;
  await recordBatch(
    services,
    batch.round,
    batch.carrier,
    batch.batch_id,
    batch.org,
    {
      polled: o.polled,
      changed: o.modified,
      emails: o.emails,
      failed: o.failed,
      deferred: o.deferred,
      carrier_calls: o.carrierCalls,
    },
    meter,
    extra,
  );
}

/** Why this batch gets no carrier call: the carrier is off, or its circuit is open (logged). */
async function skipReason(
  services: Services,
  batch: Batch,
): Promise<BatchOutcome["skipped"]> {
  const { carrier, org } = batch;
  if (adapterMode(services.config, carrier) === "off") return "not_polled";
  if (await circuitAllows(services, carrier)) return undefined;
  await writeLog(services, {
    org,
    kind: "poll",
    carrier,
    tracking_numbers: batch.items.map((i) => i.tracking_number),
    outcome: "skipped",
    detail: "circuit open: carrier calls paused after repeated failures",
  });
  return "circuit_open";
}

/** The batch's shipments still worth asking about, each (order, number) once. */
async function loadBatch(services: Services, batch: Batch): Promise<Loaded[]> {
  const now = services.clock.now();
  const seen = new Set<string>();
  const items = batch.items.filter((item) => {
    const id = `${item.order_number}\n${item.tracking_number}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const loaded: Loaded[] = [];
  for (const l of await getShipmentsForPoll(services.kv, batch.org, items)) {
    // Delivered (or removed) since it was listed: nothing to ask the carrier.
    if (!l || l.shipment.status === "delivered" || l.shipment.carrier !== batch.carrier) continue;
    // An unscanned label is asked about on its own schedule, not every cron round.
    if (
      batch.reason === "cron" && l.shipment.awaiting_first_scan && !firstScanDue(l.shipment, now)
    ) {
      continue;
    }
    loaded.push(l);
  }
  return loaded;
}

/** How long a batch may wait for room in the carrier's limits before it defers. */
const MAX_RATE_WAIT_MS = 5 * 60_000;

/**
 * Asks the carrier about the loaded shipments with call starts taken from its limits
 * (rate_limits.ts) first, or asks nothing when they have no room (within
 * MAX_RATE_WAIT_MS; the round defers the batch). A carrier asked one number a call (UPS,
 * USPS) gets call i at its own start, whatever the previous call's latency; after a 429,
 * outage or auth failure the calls not made yet are not made. Each HTTP call becomes a log
 * row in `rows`. Returns the results of the first `asked` shipments (all or none).
 */
async function trackPaced(
  services: Services,
  batch: Batch,
  loaded: Loaded[],
  outcome: BatchOutcome,
  rows: NewLogEntry[],
): Promise<{ results: TrackResult[]; asked: number }> {
  const windows = rateLimitsFor(services.config, batch.carrier);
  const numbers = [...new Set(loaded.map((l) => l.shipment.tracking_number))];
  const calls = callsFor(batch.carrier, numbers.length);
  const start = await reserveCalls(services, batch.carrier, windows, calls, MAX_RATE_WAIT_MS);
  if (start === null) return { results: [], asked: 0 };
  const made: CarrierCall[] = [];
  const adapter = createAdapter(services, batch.carrier, {
    onCall: (c) => made.push(c),
    current: (i) => loaded[i]?.shipment,
  })!;
  const spacing = spacingMs(windows);
  const tolerance = lateToleranceMs(windows);
  /**
   * Waits for a call's start; a call that would leave later than the limits' tolerance (a
   * busy event loop) gives its start up and takes a new one, so late calls never crowd a
   * carrier's window. False when the limits have no room left for it.
   */
  const at = async (t: number): Promise<boolean> => {
    await sleepOn(services.clock, t - services.clock.now().getTime());
    if (services.clock.now().getTime() - t <= tolerance) return true;
    const again = await reserveCalls(services, batch.carrier, windows, 1, MAX_RATE_WAIT_MS);
    if (again === null) return false;
    await sleepOn(services.clock, again - services.clock.now().getTime());
    return true;
  };
  const noRoom: TrackResult = {
    ok: false,
    reason: "rate_limited",
    message: "no room in the limits",
  };
  try {
    if (batch.carrier !== "ups" && batch.carrier !== "usps") {
      if (!(await at(start))) return { results: [], asked: 0 };
      return { results: await adapter.track(loaded.map(requestOf)), asked: loaded.length };
    }
    let stop: TrackResult | undefined;
    const byNumber = new Map<string, Promise<TrackResult>>();
    for (const [i, n] of numbers.entries()) {
      const l = loaded.find((x) => x.shipment.tracking_number === n)!;
      byNumber.set(
        n,
        at(start + i * spacing).then(async (room) => {
          if (stop) return stop;
          if (!room) return noRoom;
          const [r] = await adapter.track([requestOf(l)]);
          if (!r.ok && CALL_FAILURE.has(r.reason)) stop ??= r;
          return r;
        }),
      );
    }
    const results = await Promise.all(
      loaded.map((l) => byNumber.get(l.shipment.tracking_number)!),
    );
    return { results, asked: loaded.length };
  } finally {
    outcome.carrierCalls += made.filter((c) => c.kind === "track").length;
    rows.push(...made.map((c): NewLogEntry => ({
      org: batch.org,
      kind: c.kind === "oauth" ? "oauth" : "carrier_call",
      carrier: c.carrier,
      tracking_numbers: c.numbers,
      outcome: c.outcome,
      latency_ms: c.latency_ms,
      ...(c.http_status === undefined ? {} : { http_status: c.http_status }),
      ...(c.detail ? { detail: c.detail } : {}),
      ...(c.transaction_id ? { transaction_id: c.transaction_id } : {}),
    })));
  }
}

const requestOf = (l: Loaded): TrackRequest => ({
  tracking_number: l.shipment.tracking_number,
  shipped_at: l.shipment.shipped_at,
  ...(l.shipment.carrier_ref ? { carrier_ref: l.shipment.carrier_ref } : {}),
});

interface Applied {
  /** Numbers that hit a 429/5xx, to ask again. */
  retry: PollBatch["items"];
  /** The longest Retry-After among them. */
  retryAfterMs: number;
  /** Labels the carrier has not scanned yet (not failures). */
  notFound: number;
}

/**
 * Emails status changes and stores what each number's result says; counts into `outcome`.
 * "Awaiting first scan" is marked on the shipment, not counted as a failure. An answer with
 * nothing new only moves `last_refreshed_at`, for the whole batch in one commit.
 */
async function applyResults(
  services: Services,
  batch: Batch,
  loaded: Loaded[],
  results: TrackResult[],
  outcome: BatchOutcome,
): Promise<Applied> {
  let orgRecord: Org | null | undefined;
  const applied: Applied = { retry: [], retryAfterMs: 0, notFound: 0 };
  const now = services.clock.now();
  // `counts`: a carrier answer counts as an update; an "awaiting first scan" mark does not.
  const touches: { l: Loaded; update: TrackingUpdate; counts: boolean }[] = [];
  const store = async (l: Loaded, update: TrackingUpdate, counts: boolean): Promise<boolean> => {
    if (sameTracking(l.shipment, trackingApplied(l.shipment, update))) {
      touches.push({ l, update, counts });
      return true;
    }
    if (!(await storeFull(services, l, update))) return false;
    if (counts) outcome.updated++;
    outcome.modified++;
    return true;
  };
  for (const [i, l] of loaded.entries()) {
    const r = results[i];
    if (!r.ok) {
      outcome.failed++;
      if (RETRYABLE.has(r.reason)) {
        applied.retry.push(itemOf(l));
        applied.retryAfterMs = Math.max(applied.retryAfterMs, (r.retryAfter ?? 0) * 1000);
      }
      continue;
    }
    if (isAwaitingFirstScan(r)) {
      applied.notFound++;
      if (await store(l, awaitingUpdate(l.shipment, now), false) && isPolled(l.shipment.carrier)) {
        await scheduleFirstScanRecheck(services, l.shipment, l.shipment.carrier, now);
      }
      continue;
    }
    const estimated = r.shipment.estimated_delivery ?? l.shipment.estimated_delivery;
    if (r.shipment.status !== l.shipment.status) {
      outcome.changed++;
      // Email before storing: see the module comment.
      if (r.shipment.status !== "label_created") {
        orgRecord ??= await getOrg(services.kv, batch.org);
        if (orgRecord && await emailStatusChange(services, orgRecord, l, r.shipment, estimated)) {
          outcome.emails++;
        }
      }
    }
    await store(l, resultUpdate(r.shipment, estimated, now), true);
  }
  if (touches.length === 0) return applied;
  if (await touchShipments(services.kv, touches.map((t) => t.l), now.toISOString())) {
    outcome.updated += touches.filter((t) => t.counts).length;
  } else {
    // One of them changed meanwhile: store each the full way (it re-reads the shipment).
    for (const t of touches) {
      if (await storeFull(services, t.l, t.update) && t.counts) outcome.updated++;
    }
  }
  return applied;
}

/** JSON with sorted keys, to compare stored values whatever order their keys were built in. */
function canonical(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      x && typeof x === "object" && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : x,
  );
}

/** Whether a poll leaves the shipment as it was but for `last_refreshed_at`. */
function sameTracking(before: Shipment, after: Shipment): boolean {
  return canonical({ ...before, last_refreshed_at: null }) ===
    canonical({ ...after, last_refreshed_at: null });
}

type Tracked = Extract<TrackResult, { shipment: unknown }>["shipment"];

/** What a carrier's answer stores on the shipment. */
function resultUpdate(next: Tracked, estimated: string | undefined, now: Date): TrackingUpdate {
  return {
    status: next.status,
    events: next.events,
    ...(next.estimated_delivery ? { estimated_delivery: next.estimated_delivery } : {}),
    ...(next.estimated_window ? { estimated_window: next.estimated_window } : {}),
    last_refreshed_at: now.toISOString(),
    ...(isOverdue({ status: next.status, estimated_delivery: estimated }, now)
      ? { overdue: true }
      : {}),
    ...(next.delivery ? { delivery: next.delivery } : {}),
    ...(next.carrier_ref ? { carrier_ref: next.carrier_ref } : {}),
  };
}

/**
 * "Awaiting first scan", keeping any events already shown (a carrier that forgets a number
 * must not empty its timeline).
 */
function awaitingUpdate(s: Shipment, now: Date): TrackingUpdate {
  return {
    status: s.status,
    events: s.events,
    ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
    ...(s.estimated_window ? { estimated_window: s.estimated_window } : {}),
    ...(s.delivery ? { delivery: s.delivery } : {}),
    ...(s.overdue ? { overdue: true } : {}),
    ...(s.carrier_ref ? { carrier_ref: s.carrier_ref } : {}),
    awaiting_first_scan: s.events.length === 0,
    last_refreshed_at: now.toISOString(),
  };
}

/** The customer's status email for this change; true when it was queued (not a repeat). */
async function emailStatusChange(
  services: Services,
  org: Org,
  l: Loaded,
  next: Tracked,
  estimated: string | undefined,
): Promise<boolean> {
  const customer = await getCustomer(services.kv, org.slug, l.customerRef);
  if (!customer) return false;
  const after: Shipment = {
    ...l.shipment,
    status: next.status,
    events: next.events,
    ...(estimated ? { estimated_delivery: estimated } : {}),
    ...(next.delivery ? { delivery: next.delivery } : {}),
  };
  const sent = await sendStatusEmail(services, { org, customer, shipment: after });
  return sent === "queued";
}

/** Stores an update the full way; false when the shipment was removed meanwhile. */
async function storeFull(services: Services, l: Loaded, update: TrackingUpdate): Promise<boolean> {
  const s = l.shipment;
  try {
    await applyTrackingUpdate(services.kv, s.org, s.order_number, s.tracking_number, update);
    return true;
  } catch (err) {
    if (!(err instanceof ShipmentNotFoundError)) throw err;
    return false;
  }
}

/** The circuit counts call batches: any 429/5xx/auth answer is a failure, else a success. */
async function countForCircuit(
  services: Services,
  carrier: CarrierId,
  results: TrackResult[],
): Promise<string> {
  const callFailed = results.some((r) => !r.ok && CALL_FAILURE.has(r.reason));
  if (callFailed) return await recordFailure(services, carrier);
  await recordSuccess(services, carrier);
  return "closed";
}

/** Re-enqueues the numbers to retry after max(Retry-After, exponential backoff); the delay. */
async function scheduleRetry(services: Services, batch: Batch, applied: Applied) {
  const backoff = Math.min(BACKOFF_BASE_MS * 2 ** (batch.attempt - 1), BACKOFF_MAX_MS);
  const delayMs = Math.max(applied.retryAfterMs, backoff);
  const next: PollBatch = {
    carrier: batch.carrier,
    org: batch.org,
    items: applied.retry,
    batch_id: batch.batch_id,
    attempt: batch.attempt + 1,
    reason: "retry",
  };
  await enqueue(services, POLL_BATCH, next, {
    key: `${POLL_BATCH}:${batch.batch_id}:retry:${batch.attempt + 1}`,
    delayMs: realMs(services.clock, delayMs),
    dedupForMs: POLL_INTERVAL_MS * 4,
  });
  return delayMs;
}

/** The batch's own log row: what changed, what failed, what comes next. */
function pollRow(
  batch: Batch,
  loaded: Loaded[],
  outcome: BatchOutcome,
  facts: { notFound: number; circuit: string; ms: number },
): NewLogEntry {
  return {
    org: batch.org,
    kind: "poll",
    carrier: batch.carrier,
    tracking_numbers: [...new Set(loaded.map((l) => l.shipment.tracking_number))],
    outcome: outcome.failed === 0 ? "ok" : outcome.updated > 0 ? "partial" : "failed",
    latency_ms: facts.ms,
    detail:
      `${outcome.updated} updated, ${outcome.changed} status changes, ${facts.notFound} not found, ` +
      `${outcome.failed} failed${outcome.retryScheduled ? ", retry scheduled" : ""}` +
      `${facts.circuit === "open" ? ", circuit open" : ""}`,
  };
}

/**
 * The id of a shipment's refresh in one staleness window, per shipment (another order with
 * the same number is refreshed on its own); its queue key is `tracking.{id}`. The first fetch
 * of a new shipment claims it too, so page views while that fetch runs ask for no other.
 */
export function refreshId(
  s: Pick<Shipment, "org" | "order_number" | "tracking_number">,
  staleMinutes: number,
  nowMs: number,
): string {
  const window = Math.floor(nowMs / (staleMinutes * 60_000));
  return `refresh:${s.org}:${s.order_number}:${s.tracking_number}:${window}`;
}

/**
 * Called by the order page and tracking API: when the shipment's cache is older than
 * TRACKING_STALE_MINUTES, asks the queue for a refresh (deduplicated per shipment and
 * staleness window). Never throws and never waits for a carrier; returns whether this call
 * enqueued the refresh. `void requestRefreshIfStale(ctx.services, shipment)` is fine.
 */
export async function requestRefreshIfStale(
  services: Services,
  shipment: Pick<
    Shipment,
    "org" | "order_number" | "tracking_number" | "carrier" | "status" | "last_refreshed_at"
  >,
): Promise<boolean> {
  try {
    const carrier = shipment.carrier;
    if (shipment.status === "delivered" || !isPolled(carrier)) return false;
    if (adapterMode(services.config, carrier) === "off") return false;
    const staleMs = services.config.TRACKING_STALE_MINUTES * 60_000;
    const now = services.clock.now().getTime();
    const last = shipment.last_refreshed_at ? Date.parse(shipment.last_refreshed_at) : 0;
    if (now - last < staleMs) return false;
    const id = refreshId(shipment, services.config.TRACKING_STALE_MINUTES, now);
    const batch: PollBatch = {
      carrier,
      org: shipment.org,
      items: [{ order_number: shipment.order_number, tracking_number: shipment.tracking_number }],
      batch_id: id,
      attempt: 1,
      reason: "refresh",
    };
    const res = await enqueue(services, POLL_BATCH, batch, {
      key: `tracking.${id}`,
      dedupForMs: staleMs,
    });
    return res.enqueued;
  } catch (err) {
    log.warn("tracking refresh request failed", { err });
    return false;
  }
}

/** A young label is asked about again before the next cron round (first_scan.ts). */
async function scheduleFirstScanRecheck(
  services: Services,
  s: Shipment,
  carrier: typeof POLLED_CARRIERS[number],
  now: Date,
) {
  const delayMs = firstScanRecheckMs(s.shipped_at, now);
  if (delayMs >= POLL_INTERVAL_MS) return; // the cron's next round comes first
  const slot = Math.floor(now.getTime() / delayMs);
  const id = `first-scan:${s.org}:${s.order_number}:${s.tracking_number}:${slot}`;
  await enqueue(
    services,
    POLL_BATCH,
    {
      carrier,
      org: s.org,
      items: [{ order_number: s.order_number, tracking_number: s.tracking_number }],
      batch_id: id,
      attempt: 1,
      reason: "refresh",
    } satisfies PollBatch,
    { key: `tracking.${id}`, delayMs: realMs(services.clock, delayMs), dedupForMs: delayMs * 2 },
  );
}

function isPolled(c: CarrierId): c is typeof POLLED_CARRIERS[number] {
  return (POLLED_CARRIERS as readonly string[]).includes(c);
}

/** For INT-001: when a carrier's last batch got through. */
export async function lastSuccessfulPoll(
  services: Services,
  carrier: CarrierId,
): Promise<string | null> {
  return (await services.kv.get<string>(keys.lastSuccess(carrier))).value;
}
