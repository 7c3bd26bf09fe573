/**
 * The tracking poller. `Deno.cron` every 30 minutes enqueues one fan-out message; its handler
 * lists the active (undelivered, uncancelled) shipments per carrier from the orders store,
 * splits them per org into batches and enqueues one poll message per batch. A batch:
 * - is skipped while the carrier's circuit is open (an outage must not burn the quota);
 * - calls the adapter, logs every carrier call for the org (INT-003);
 * - for each result: when the status changed, queues the customer email FIRST (keyed, so a
 *   redelivery re-queues nothing) and then stores the update, so a crash between the two
 *   can never lose the email and a redelivery after both can never repeat it;
 * - re-enqueues only the numbers that hit a 429/5xx, after max(Retry-After, backoff).
 *
 * A page view calls `requestRefreshIfStale`, which enqueues a one-shipment poll keyed per
 * shipment and staleness window: any number of concurrent views make one refresh, and the
 * page never waits for a carrier.
 *
 * Everything runs on `services.clock`, so tests drive it with a fake clock and call
 * `startPollCycle`, `handlePollAll` and `pollBatch` directly.
 */
import { z } from "zod";
import type { CarrierId, Customer, Shipment } from "@/lib/orders/model.ts";
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
import { writeLog } from "./integration_log.ts";
import { type OrderLinkFn, sendStatusEmail } from "./notify.ts";
import type { CarrierCall, TrackResult } from "./types.ts";

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

export interface TrackingHooks {
  /** Builds the order page URL for emails (wired by main.ts to the access module). */
  orderLink?: OrderLinkFn;
}

let hooks: TrackingHooks = {};

/**
 * Registers the queue handlers and (unless `cron: false`) the 30-minute cron job.
 * Call once at start-up, after the queue listener's module is loaded.
 */
export function registerTrackingJobs(
  services: Services,
  opts: { cron?: boolean } & TrackingHooks = {},
): void {
  hooks = { orderLink: opts.orderLink };
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

/** Polls one batch now. Safe to run twice for the same message (see the module comment). */
export async function pollBatch(services: Services, raw: PollBatch): Promise<BatchOutcome> {
  const batch = PollBatchPayload.parse(raw);
  const { carrier, org } = batch;
  const now = services.clock.now();
  const outcome: BatchOutcome = {
    updated: 0,
    changed: 0,
    emails: 0,
    failed: 0,
    retryScheduled: false,
  };
  const numbers = batch.items.map((i) => i.tracking_number);
  if (adapterMode(services.config, carrier) === "off") {
    outcome.skipped = "not_polled";
    return outcome;
  }
  if (!(await circuitAllows(services, carrier))) {
    outcome.skipped = "circuit_open";
    await writeLog(services, {
      org,
      kind: "poll",
      carrier,
      tracking_numbers: numbers,
      outcome: "skipped",
      detail: "circuit open: carrier calls paused after repeated failures",
    });
    return outcome;
  }

  const loaded = new Map<string, Loaded & { order_number: string }>();
  for (const item of batch.items) {
    const l = await loadShipment(services, org, item.order_number, item.tracking_number);
    // Delivered (or removed) since it was listed: nothing to ask the carrier.
    if (l && l.shipment.status !== "delivered" && l.shipment.carrier === carrier) {
      loaded.set(item.tracking_number, { ...l, order_number: item.order_number });
    }
  }
  if (loaded.size === 0) return outcome;

  const calls: CarrierCall[] = [];
  const adapter = createAdapter(services, carrier, {
    onCall: (c) => calls.push(c),
    current: (n) => loaded.get(n)?.shipment,
  })!;
  const started = performance.now();
  let results: Map<string, TrackResult>;
  try {
    results = await adapter.track([...loaded.keys()]);
  } finally {
    for (const c of calls) {
      await writeLog(services, {
        org,
        kind: c.kind === "oauth" ? "oauth" : "carrier_call",
        carrier: c.carrier,
        tracking_numbers: c.numbers,
        outcome: c.outcome,
        latency_ms: c.latency_ms,
        ...(c.http_status === undefined ? {} : { http_status: c.http_status }),
      });
    }
  }

  const orgRecord = await getOrg(services.kv, org);
  const retry: PollBatch["items"] = [];
  let retryAfterMs = 0;
  let notFound = 0;
  for (const [n, r] of results) {
    const l = loaded.get(n)!;
    if (!r.ok) {
      if (r.reason === "not_found") notFound++;
      else outcome.failed++;
      if (RETRYABLE.has(r.reason)) {
        retry.push({ order_number: l.order_number, tracking_number: n });
        retryAfterMs = Math.max(retryAfterMs, (r.retryAfter ?? 0) * 1000);
      }
      continue;
    }
    const next = r.shipment;
    const previous = l.shipment.status;
    const estimated = next.estimated_delivery ?? l.shipment.estimated_delivery;
    if (next.status !== previous) {
      outcome.changed++;
      // Email before storing: see the module comment.
      if (orgRecord && next.status !== "label_created") {
        const after: Shipment = {
          ...l.shipment,
          status: next.status,
          events: next.events,
          ...(estimated ? { estimated_delivery: estimated } : {}),
        };
        const orderUrl = await hooks.orderLink?.(services, orgRecord, l.customer, l.order_number)
          .catch(() => null);
        const sent = await sendStatusEmail(services, {
          org: orgRecord,
          customer: l.customer,
          shipment: after,
          orderUrl,
        });
        if (sent === "queued") outcome.emails++;
      }
    }
    try {
      await applyTrackingUpdate(services.kv, org, l.order_number, n, {
        status: next.status,
        events: next.events,
        ...(next.estimated_delivery ? { estimated_delivery: next.estimated_delivery } : {}),
        ...(next.estimated_window ? { estimated_window: next.estimated_window } : {}),
        last_refreshed_at: now.toISOString(),
        ...(isOverdue({ status: next.status, estimated_delivery: estimated }, now)
          ? { overdue: true }
          : {}),
      });
      outcome.updated++;
    } catch (err) {
      if (!(err instanceof ShipmentNotFoundError)) throw err;
    }
  }

  // The circuit counts call batches: any 429/5xx/auth answer is a failure, else a success.
  const callFailed = [...results.values()].some((r) => !r.ok && CALL_FAILURE.has(r.reason));
  let circuit = "closed";
  if (callFailed) circuit = await recordFailure(services, carrier);
  else {
    await recordSuccess(services, carrier);
    await services.kv.set(["tracking_last_success", carrier], now.toISOString());
  }

  if (retry.length && batch.attempt < MAX_POLL_ATTEMPTS && circuit !== "open") {
    const backoff = Math.min(BACKOFF_BASE_MS * 2 ** (batch.attempt - 1), BACKOFF_MAX_MS);
    const delayMs = Math.max(retryAfterMs, backoff);
    const next: PollBatch = {
      carrier,
      org,
      items: retry,
      batch_id: batch.batch_id,
      attempt: batch.attempt + 1,
      reason: "retry",
    };
    await enqueue(services, POLL_BATCH, next, {
      key: `${POLL_BATCH}:${batch.batch_id}:retry:${batch.attempt + 1}`,
      delayMs,
      dedupForMs: POLL_INTERVAL_MS * 4,
    });
    outcome.retryScheduled = true;
    outcome.retryDelayMs = delayMs;
  }

  const ms = Math.round(performance.now() - started);
  await writeLog(services, {
    org,
    kind: "poll",
    carrier,
    tracking_numbers: [...loaded.keys()],
    outcome: outcome.failed === 0 ? "ok" : outcome.updated > 0 ? "partial" : "failed",
    latency_ms: ms,
    detail:
      `${outcome.updated} updated, ${outcome.changed} status changes, ${notFound} not found, ` +
      `${outcome.failed} failed${outcome.retryScheduled ? ", retry scheduled" : ""}` +
      `${circuit === "open" ? ", circuit open" : ""}`,
  });
  if (outcome.failed) {
    log.warn("tracking poll had failures", { carrier, org, failed: outcome.failed });
  }
  return outcome;
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
    const window = Math.floor(now / staleMs);
    const id = `refresh:${shipment.org}:${shipment.tracking_number}:${window}`;
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

function isPolled(c: CarrierId): c is typeof POLLED_CARRIERS[number] {
  return (POLLED_CARRIERS as readonly string[]).includes(c);
}

/** For INT-001: when a carrier's last batch got through. */
export async function lastSuccessfulPoll(
  services: Services,
  carrier: CarrierId,
): Promise<string | null> {
  return (await services.kv.get<string>(["tracking_last_success", carrier])).value;
}
