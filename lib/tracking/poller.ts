/**
 * The tracking poller. `Deno.cron` every 30 minutes enqueues one fan-out message; its handler
 * lists the active (undelivered, uncancelled) shipments per carrier from the orders store,
 * splits them per org into batches and enqueues one poll message per batch. A batch:
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
import type { CarrierId, Customer, Org, Shipment } from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import {
  applyTrackingUpdate,
  getShipmentWithOwner,
  listActiveShipments,
  ShipmentNotFoundError,
} from "@/lib/orders/shipments.ts";
import { enqueue, registerQueueHandler } from "@/lib/queue/queue.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { adapterMode, BATCH_SIZE, createAdapter, POLLED_CARRIERS } from "./adapters.ts";
import { circuitAllows, recordFailure, recordSuccess } from "./circuit.ts";
import { firstScanDue, firstScanRecheckMs } from "./first_scan.ts";
import { writeLog } from "./integration_log.ts";
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
  items: z.array(z.object({ order_number: z.string(), tracking_number: z.string() })).min(1)
    .max(50),
  /** Stable id of the batch (for retry keys and logs). */
  batch_id: z.string().min(1).max(300),
  attempt: z.number().int().min(1).default(1),
  reason: z.enum(["cron", "refresh", "retry"]).default("cron"),
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

/** Fan-out: one poll message per (carrier, org, batch) of active shipments. */
export async function handlePollAll(
  payload: z.infer<typeof PollAllPayload>,
  services: Services,
): Promise<void> {
  for (const carrier of POLLED_CARRIERS) {
    // An unconfigured carrier is simply not polled (INT-001 says so).
    if (adapterMode(services.config, carrier) === "off") continue;
    const byOrg = new Map<string, { order_number: string; tracking_number: string }[]>();
    for await (const s of listActiveShipments(services.kv, carrier)) {
      const list = byOrg.get(s.org) ?? [];
      list.push({ order_number: s.order_number, tracking_number: s.tracking_number });
      byOrg.set(s.org, list);
    }
    const size = BATCH_SIZE[carrier];
    for (const [org, items] of byOrg) {
      for (let i = 0; i * size < items.length; i++) {
        const batch_id = `${payload.slot}:${carrier}:${org}:${i}`;
        const batch: PollBatch = {
          carrier,
          org,
          items: items.slice(i * size, (i + 1) * size),
          batch_id,
          attempt: 1,
          reason: "cron",
        };
        await enqueue(services, POLL_BATCH, batch, {
          key: `${POLL_BATCH}:${batch_id}`,
          dedupForMs: POLL_INTERVAL_MS * 2,
        });
      }
    }
  }
}

function handlePollBatchMessage(payload: PollBatch, services: Services): Promise<void> {
  return pollBatch(services, payload).then(() => undefined);
}

interface Loaded {
  shipment: Shipment;
  customer: Customer;
}

/** The shipment and the customer who owns its order (emails go to them). */
async function loadShipment(
  services: Services,
  org: string,
  orderNumber: string,
  tracking: string,
): Promise<Loaded | null> {
  const found = await getShipmentWithOwner(services.kv, org, orderNumber, tracking);
  if (!found) return null;
  const customer = await getCustomer(services.kv, org, found.customerRef);
  return customer ? { shipment: found.shipment, customer } : null;
}

export function isOverdue(
  s: { status: string; estimated_delivery?: string },
  now: Date,
): boolean {
  if (s.status === "delivered" || !s.estimated_delivery) return false;
  const day = Date.parse(`${s.estimated_delivery.slice(0, 10)}T23:59:59Z`);
  return !Number.isNaN(day) && now.getTime() > day + OVERDUE_GRACE_MS;
}

export interface BatchOutcome {
  skipped?: "circuit_open" | "not_polled";
  updated: number;
  changed: number;
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

/** A batch's shipments, in the batch's order, one per (order, tracking number). */
type LoadedBatch = (Loaded & { order_number: string })[];
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
  const outcome: BatchOutcome = {
    updated: 0,
    changed: 0,
    emails: 0,
    failed: 0,
    retryScheduled: false,
  };
  const skipped = await skipReason(services, batch);
  if (skipped) return { ...outcome, skipped };
  const loaded = await loadBatch(services, batch);
  if (loaded.length === 0) return outcome;
  const started = performance.now();
  const results = await trackAndLogCalls(services, batch, loaded);
  const applied = await applyResults(services, batch, loaded, results, outcome);
  const circuit = await countForCircuit(services, batch.carrier, results);
  if (applied.retry.length && batch.attempt < MAX_POLL_ATTEMPTS && circuit !== "open") {
    outcome.retryDelayMs = await scheduleRetry(services, batch, applied);
    outcome.retryScheduled = true;
  }
  await logPoll(services, batch, loaded, outcome, {
    notFound: applied.notFound,
    circuit,
    ms: Math.round(performance.now() - started),
  });
  if (outcome.failed) {
    log.warn("tracking poll had failures", {
      carrier: batch.carrier,
      org: batch.org,
      failed: outcome.failed,
    });
  }
  return outcome;
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
async function loadBatch(services: Services, batch: Batch): Promise<LoadedBatch> {
  const now = services.clock.now();
  const loaded: LoadedBatch = [];
  const seen = new Set<string>();
  for (const item of batch.items) {
    const id = `${item.order_number}\n${item.tracking_number}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const l = await loadShipment(services, batch.org, item.order_number, item.tracking_number);
    // Delivered (or removed) since it was listed: nothing to ask the carrier.
    if (l && l.shipment.status !== "delivered" && l.shipment.carrier === batch.carrier) {
      // An unscanned label is asked about on its own schedule, not every cron round.
      if (
        batch.reason === "cron" && l.shipment.awaiting_first_scan && !firstScanDue(l.shipment, now)
      ) {
        continue;
      }
      loaded.push({ ...l, order_number: item.order_number });
    }
  }
  return loaded;
}

/**
 * Asks the carrier about every loaded shipment (its number, ship time and any remembered
 * carrier id); each HTTP call becomes an integration-log row. `results[i]` answers
 * `loaded[i]` (the adapter asks once for a number two orders share).
 */
async function trackAndLogCalls(
  services: Services,
  batch: Batch,
  loaded: LoadedBatch,
): Promise<TrackResult[]> {
  const calls: CarrierCall[] = [];
  const adapter = createAdapter(services, batch.carrier, {
    onCall: (c) => calls.push(c),
    current: (i) => loaded[i]?.shipment,
  })!;
  const requests: TrackRequest[] = loaded.map((l) => ({
    tracking_number: l.shipment.tracking_number,
    shipped_at: l.shipment.shipped_at,
    ...(l.shipment.carrier_ref ? { carrier_ref: l.shipment.carrier_ref } : {}),
  }));
  try {
    return await adapter.track(requests);
  } finally {
    for (const c of calls) {
      await writeLog(services, {
        org: batch.org,
        kind: c.kind === "oauth" ? "oauth" : "carrier_call",
        carrier: c.carrier,
        tracking_numbers: c.numbers,
        outcome: c.outcome,
        latency_ms: c.latency_ms,
        ...(c.http_status === undefined ? {} : { http_status: c.http_status }),
        ...(c.detail ? { detail: c.detail } : {}),
        ...(c.transaction_id ? { transaction_id: c.transaction_id } : {}),
      });
    }
  }
}

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
 * "Awaiting first scan" is marked on the shipment, not counted as a failure.
 */
async function applyResults(
  services: Services,
  batch: Batch,
  loaded: LoadedBatch,
  results: TrackResult[],
  outcome: BatchOutcome,
): Promise<Applied> {
  const orgRecord = await getOrg(services.kv, batch.org);
  const applied: Applied = { retry: [], retryAfterMs: 0, notFound: 0 };
  for (const [i, l] of loaded.entries()) {
    const r = results[i];
    const n = l.shipment.tracking_number;
    if (!r.ok) {
      outcome.failed++;
      if (RETRYABLE.has(r.reason)) {
        applied.retry.push({ order_number: l.order_number, tracking_number: n });
        applied.retryAfterMs = Math.max(applied.retryAfterMs, (r.retryAfter ?? 0) * 1000);
      }
      continue;
    }
    if (isAwaitingFirstScan(r)) {
      applied.notFound++;
      await markAwaitingFirstScan(services, l.shipment);
      continue;
    }
    const estimated = r.shipment.estimated_delivery ?? l.shipment.estimated_delivery;
    if (r.shipment.status !== l.shipment.status) {
      outcome.changed++;
      // Email before storing: see the module comment.
      if (orgRecord && r.shipment.status !== "label_created") {
        if (await emailStatusChange(services, orgRecord, l, r.shipment, estimated)) {
          outcome.emails++;
        }
      }
    }
    if (await storeResult(services, batch.org, l.order_number, n, r.shipment, estimated)) {
      outcome.updated++;
    }
  }
  return applied;
}

type Tracked = Extract<TrackResult, { shipment: unknown }>["shipment"];

/** The customer's status email for this change; true when it was queued (not a repeat). */
async function emailStatusChange(
  services: Services,
  org: Org,
  l: Loaded & { order_number: string },
  next: Tracked,
  estimated: string | undefined,
): Promise<boolean> {
  const after: Shipment = {
    ...l.shipment,
    status: next.status,
    events: next.events,
    ...(estimated ? { estimated_delivery: estimated } : {}),
    ...(next.delivery ? { delivery: next.delivery } : {}),
  };
  const sent = await sendStatusEmail(services, { org, customer: l.customer, shipment: after });
  return sent === "queued";
}

/** Stores a carrier's answer on the shipment; false when the shipment was removed meanwhile. */
async function storeResult(
  services: Services,
  org: string,
  orderNumber: string,
  tracking: string,
  next: Tracked,
  estimated: string | undefined,
): Promise<boolean> {
  const now = services.clock.now();
  try {
    await applyTrackingUpdate(services.kv, org, orderNumber, tracking, {
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
    });
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
  await services.kv.set(keys.lastSuccess(carrier), services.clock.now().toISOString());
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
    delayMs,
    dedupForMs: POLL_INTERVAL_MS * 4,
  });
  return delayMs;
}

/** The batch's own log row: what changed, what failed, what comes next. */
async function logPoll(
  services: Services,
  batch: Batch,
  loaded: LoadedBatch,
  outcome: BatchOutcome,
  facts: { notFound: number; circuit: string; ms: number },
) {
  await writeLog(services, {
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
  });
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

/**
 * Records "awaiting first scan" (keeping any events already shown: a carrier that forgets a
 * number must not empty its timeline) and, while the label is young, asks again sooner than
 * the next cron round.
 */
async function markAwaitingFirstScan(services: Services, s: Shipment) {
  const now = services.clock.now();
  try {
    await applyTrackingUpdate(services.kv, s.org, s.order_number, s.tracking_number, {
      status: s.status,
      events: s.events,
      ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
      ...(s.estimated_window ? { estimated_window: s.estimated_window } : {}),
      ...(s.delivery ? { delivery: s.delivery } : {}),
      ...(s.overdue ? { overdue: true } : {}),
      awaiting_first_scan: s.events.length === 0,
      last_refreshed_at: now.toISOString(),
    });
  } catch (err) {
    if (!(err instanceof ShipmentNotFoundError)) throw err;
    return;
  }
  if (isPolled(s.carrier)) await scheduleFirstScanRecheck(services, s, s.carrier, now);
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
    { key: `tracking.${id}`, delayMs, dedupForMs: delayMs * 2 },
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
