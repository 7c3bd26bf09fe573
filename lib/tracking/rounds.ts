/**
 * Poll rounds at scale (issue 14). Every 30 minutes one round visits each polled carrier's
 * active shipments, shared by every server process through the KV queue:
 *
 * 1. `startRound` (the POLL_ALL message of the slot) writes each carrier's round record and
 *    enqueues that carrier's first page message; a carrier without credentials or with an
 *    open circuit is recorded as skipped and not visited.
 * 2. A page message (`handlePollPage`, any process) reads one page of the carrier's poller
 *    index (PAGE_SIZE entries, by cursor: memory stays flat in the number of shipments),
 *    keeps what is due (an unscanned label only on its first_scan.ts schedule), cuts it into
 *    per-org batches (FedEx 30 numbers a call) and, in ONE atomic commit guarded by the
 *    page's done marker, enqueues those batches, each delayed to its place in the spread
 *    (TRACKING_SPREAD_SECONDS, paced by the round's call allowance), the next page and the
 *    page's counts. A redelivered page commits nothing twice.
 * 3. Past the round's allowance (rate_limits.ts: rolling windows within the spread, an even
 *    share of the day's quota) shipments are deferred, not failed: pages go on counting
 *    them, and the first deferred entry becomes where the next round starts, so the
 *    shipments refreshed longest ago go first (the index is walked as a ring).
 * 4. Each batch (poller.ts `pollBatch`) adds its counts with its own done marker, so a
 *    redelivered batch may poll again (at least once) but counts once; whoever sees every
 *    planned batch done after the last page claims the round's completion (a check on the
 *    record), so it completes exactly once, with its duration and an integration-log row.
 *
 *   ["tracking_rounds", slot, carrier]                  CarrierRoundMeta
 *   ["tracking_round_stats", slot, carrier, field]      Deno.KvU64 counter
 *   ["tracking_round_org_stats", org, slot, carrier, field]   the org's share (admin API)
 *   ["tracking_round_marks", slot, carrier, "page"|"batch", id]   done markers (2 days)
 *   ["tracking_round_resume", carrier]                  where the next round starts
 */
import { z } from "zod";
import type { CarrierId } from "@/lib/orders/model.ts";
import { listActivePage } from "@/lib/orders/shipments.ts";
import { enqueueInAtomic } from "@/lib/queue/queue.ts";
import { realMs, type Services } from "@/lib/services.ts";
import { adapterMode, BATCH_SIZE, POLLED_CARRIERS, type PolledCarrier } from "./adapters.ts";
import { circuitState } from "./circuit.ts";
import { firstScanDue } from "./first_scan.ts";
import { logOps } from "./integration_log.ts";
import { type KvMeter, meteredKv, newMeter } from "./kv_meter.ts";
import { rateLimitsFor, roundAllowance, spacingMs } from "./rate_limits.ts";
import { FEDEX_BATCH_SIZE } from "./fedex.ts";

export const POLL_PAGE = "tracking.poll_page";
/** Index entries one page message reads. */
export const PAGE_SIZE = 500;
const MARK_TTL_MS = 2 * 24 * 3_600_000;
/**
 * Batches start within this share of the spread: the rest is left for the last ones' calls
 * (and any wait for room in the carrier's limits) to finish inside it.
 */
export const PLANNED_SHARE = 0.8;
const STATS_TTL_MS = 30 * 24 * 3_600_000;

export const STAT_FIELDS = [
  "due",
  "deferred",
  "polled",
  "changed",
  "emails",
  "failed",
  "carrier_calls",
  "kv_ops",
  "batches_planned",
  "batches_done",
] as const;
export type StatField = typeof STAT_FIELDS[number];
export type RoundCounts = Record<StatField, number>;

export interface CarrierRoundMeta {
  slot: number;
  carrier: PolledCarrier;
  started_at: string;
  /** Carrier calls this round may spend (null = no limit). */
  allowance: number | null;
  skipped?: "not_polled" | "circuit_open";
  paging_done: boolean;
  completed_at?: string;
  duration_ms?: number;
}

export type CarrierRound = CarrierRoundMeta & RoundCounts;

const keys = {
  meta: (slot: number, carrier: string): Deno.KvKey => ["tracking_rounds", slot, carrier],
  metas: (): Deno.KvKey => ["tracking_rounds"],
  stat: (slot: number, carrier: string, field: StatField): Deno.KvKey => [
    "tracking_round_stats",
    slot,
    carrier,
    field,
  ],
  stats: (slot: number, carrier: string): Deno.KvKey => ["tracking_round_stats", slot, carrier],
  orgStat: (org: string, slot: number, carrier: string, field: StatField): Deno.KvKey => [
    "tracking_round_org_stats",
    org,
    slot,
    carrier,
    field,
  ],
  orgStats: (org: string): Deno.KvKey => ["tracking_round_org_stats", org],
  mark: (slot: number, carrier: string, kind: "page" | "batch", id: string): Deno.KvKey => [
    "tracking_round_marks",
    slot,
    carrier,
    kind,
    id,
  ],
  resume: (carrier: string): Deno.KvKey => ["tracking_round_resume", carrier],
};

const zeroCounts = (): RoundCounts =>
  Object.fromEntries(STAT_FIELDS.map((f) => [f, 0])) as RoundCounts;

/** Adds counts to the round's (and, with `org`, that org's) counters in `op`. */
export function addCounts(
  op: Deno.AtomicOperation,
  slot: number,
  carrier: string,
  counts: Partial<RoundCounts>,
  org?: string,
) {
  for (const f of STAT_FIELDS) {
    const n = counts[f] ?? 0;
    if (n <= 0) continue;
    op.sum(keys.stat(slot, carrier, f), BigInt(n));
    if (org && f !== "batches_planned" && f !== "batches_done") {
      op.sum(keys.orgStat(org, slot, carrier, f), BigInt(n));
    }
  }
}

/** Round trips a caller adds after its metered work: its stats commit and the completion check. */
export const STATS_TRIPS = 2;

const PagePayload = z.object({
  slot: z.number().int(),
  carrier: z.enum(POLLED_CARRIERS),
  page: z.number().int().min(0),
  /** "all" = the whole index; "tail" = from `resume` on; "head" = up to `resume`. */
  phase: z.enum(["all", "tail", "head"]),
  resume: z.array(z.string()).nullable(),
  cursor: z.string().nullable(),
  /** Carrier calls planned by earlier pages. */
  calls_before: z.number().int().min(0),
  allowance: z.number().int().min(0).nullable(),
  /** The first entry this round deferred (where the next round starts). */
  deferred_from: z.array(z.string()).nullable(),
  spread_ms: z.number().int().min(0),
  started_ms: z.number().int(),
});
export type PagePayload = z.infer<typeof PagePayload>;
export const PagePayloadSchema = PagePayload;

/** What a batch message carries of its round (poller.ts PollBatch.round). */
export interface BatchRound {
  slot: number;
  /** Clock time (ms) before which the batch waits: its place in the spread. */
  not_before_ms: number;
}

/**
 * Starts the round of `slot` for every polled carrier (idempotent per carrier: the record
 * is written only if absent).
 */
export async function startRound(services: Services, slot: number, intervalMs: number) {
  const meter = newMeter();
  const s = { ...services, kv: meteredKv(services.kv, meter) };
  let base = 0;
  for (const carrier of POLLED_CARRIERS) {
    const mode = adapterMode(services.config, carrier);
    // The demo sandbox has no index of its own worth a round record unless it has shipments.
    const circuit = mode === "off" ? "closed" : await circuitState(s, carrier);
    const skipped = mode === "off" ? "not_polled" : circuit === "open" ? "circuit_open" : undefined;
    const windows = rateLimitsFor(services.config, carrier);
    const spreadMs = services.config.TRACKING_SPREAD_SECONDS * 1000;
    const allowance = skipped
      ? 0
      : await roundAllowance(s, carrier, windows, spreadMs * PLANNED_SHARE, intervalMs);
    const resume = skipped ? null : (await s.kv.get<string[]>(keys.resume(carrier))).value;
    const now = services.clock.now();
    const meta: CarrierRoundMeta = {
      slot,
      carrier,
      started_at: now.toISOString(),
      allowance: Number.isFinite(allowance) ? allowance : null,
      ...(skipped ? { skipped } : {}),
      paging_done: !!skipped,
      ...(skipped ? { completed_at: now.toISOString(), duration_ms: 0 } : {}),
    };
    const op = s.kv.atomic()
      .check({ key: keys.meta(slot, carrier), versionstamp: null })
      .set(keys.meta(slot, carrier), meta, { expireIn: STATS_TTL_MS });
    if (!skipped) {
      const page: PagePayload = {
        slot,
        carrier,
        page: 0,
        phase: resume ? "tail" : "all",
        resume,
        cursor: null,
        calls_before: 0,
        allowance: meta.allowance,
        deferred_from: null,
        spread_ms: spreadMs,
        started_ms: now.getTime(),
      };
      enqueueInAtomic(s, op, POLL_PAGE, page);
    }
    addCounts(op, slot, carrier, { kv_ops: meter.calls - base + 1 });
    await op.commit();
    base = meter.calls;
  }
}

/** Clock time one batch's calls may span: a queue handler must not run for minutes. */
export const MAX_BATCH_SPAN_MS = 30_000;

/**
 * Numbers per batch: BATCH_SIZE, and for a carrier asked one number a call no more calls
 * than its spacing fits in MAX_BATCH_SPAN_MS (USPS's 60 an hour: one a batch).
 */
function batchSize(services: Services, carrier: PolledCarrier): number {
  const size = BATCH_SIZE[carrier];
  if (carrier !== "ups" && carrier !== "usps") return size;
  const spacing = spacingMs(rateLimitsFor(services.config, carrier));
  return spacing > 0 ? Math.max(1, Math.min(size, Math.floor(MAX_BATCH_SPAN_MS / spacing))) : size;
}

/** The calls a batch of `numbers` costs the carrier. */
export function callsFor(carrier: PolledCarrier, numbers: number): number {
  if (carrier === "fedex") return Math.ceil(numbers / FEDEX_BATCH_SIZE);
  if (carrier === "sandbox") return 0;
  return numbers;
}

interface PlannedBatch {
  org: string;
  items: { order_number: string; tracking_number: string; customer_ref?: string }[];
  calls: number;
}

/**
 * One page of a carrier's round (see the module comment); safe to run twice for the same
 * message. `enqueueBatch` adds one batch's message to the page's commit (poller.ts).
 */
export async function handlePollPage(
  services: Services,
  p: PagePayload,
  enqueueBatch: (
    services: Services,
    op: Deno.AtomicOperation,
    batch: PlannedBatch & { carrier: PolledCarrier; batch_id: string; round: BatchRound },
    delayMs: number,
  ) => void,
): Promise<void> {
  const meter = newMeter();
  const s = { ...services, kv: meteredKv(services.kv, meter) };
  const markKey = keys.mark(p.slot, p.carrier, "page", `${p.phase}:${p.page}`);
  if ((await s.kv.get(markKey)).versionstamp) return;

  const now = services.clock.now();
  const page = await listActivePage(s.kv, p.carrier, {
    ...(p.phase === "tail" ? { start: p.resume! } : p.phase === "head" ? { end: p.resume! } : {}),
    cursor: p.cursor ?? undefined,
    limit: PAGE_SIZE,
  });
  const size = batchSize(services, p.carrier);
  const batches: PlannedBatch[] = [];
  const perOrg = new Map<string, { due: number; deferred: number }>();
  let calls = p.calls_before;
  let deferredFrom = p.deferred_from;
  let open: PlannedBatch | undefined;
  for (const e of page.entries) {
    const a = e.value;
    if (
      a.awaiting_first_scan &&
      !firstScanDue({
        shipped_at: a.shipped_at,
        last_refreshed_at: a.last_refreshed_at ?? undefined,
      }, now)
    ) continue;
    const counts = perOrg.get(a.org) ?? { due: 0, deferred: 0 };
    perOrg.set(a.org, counts);
    counts.due++;
    const joins = open && open.org === a.org && open.items.length < size;
    const cost = joins ? callsFor(p.carrier, open!.items.length + 1) - open!.calls : callsFor(
      p.carrier,
      1,
    );
    if (p.allowance !== null && calls + cost > p.allowance) {
      counts.deferred++;
      deferredFrom ??= e.key;
      continue;
    }
    calls += cost;
    if (!joins) {
      open = { org: a.org, items: [], calls: 0 };
      batches.push(open);
    }
    open!.items.push({
      order_number: a.order_number,
      tracking_number: a.tracking_number,
      ...(a.customer_ref ? { customer_ref: a.customer_ref } : {}),
    });
    open!.calls += cost;
  }

  const next: PagePayload | null = page.cursor
    ? {
      ...p,
      page: p.page + 1,
      cursor: page.cursor,
      calls_before: calls,
      deferred_from: deferredFrom,
    }
    : p.phase === "tail"
    ? {
      ...p,
      page: p.page + 1,
      phase: "head",
      cursor: null,
      calls_before: calls,
      deferred_from: deferredFrom,
    }
    : null;

  const op = s.kv.atomic()
    .check({ key: markKey, versionstamp: null })
    .set(markKey, true, { expireIn: MARK_TTL_MS });
  let planned = p.calls_before;
  for (const [i, b] of batches.entries()) {
    // Its place in the spread: calls are paced evenly over it by the round's allowance.
    const offset = p.allowance && p.spread_ms
      ? Math.floor(planned * p.spread_ms * PLANNED_SHARE / p.allowance)
      : 0;
    planned += b.calls;
    const notBefore = p.started_ms + offset;
    enqueueBatch(s, op, {
      ...b,
      carrier: p.carrier,
      batch_id: `${p.slot}:${p.carrier}:${p.phase}:${p.page}:${i}`,
      round: { slot: p.slot, not_before_ms: notBefore },
    }, realMs(services.clock, notBefore - now.getTime()));
  }
  if (next) enqueueInAtomic(s, op, POLL_PAGE, next);
  else {
    const meta = await s.kv.get<CarrierRoundMeta>(keys.meta(p.slot, p.carrier));
    if (meta.value) {
      op.check(meta).set(keys.meta(p.slot, p.carrier), { ...meta.value, paging_done: true }, {
        expireIn: STATS_TTL_MS,
      });
    }
    if (deferredFrom) op.set(keys.resume(p.carrier), deferredFrom);
  }
  for (const [org, c] of perOrg) addCounts(op, p.slot, p.carrier, c, org);
  addCounts(op, p.slot, p.carrier, {
    batches_planned: batches.length,
    // This commit, and for the last page the completion check after it.
    kv_ops: meter.calls + (next ? 1 : STATS_TRIPS),
  });
  if (!(await op.commit()).ok) {
    // A redelivery committed this page first (or the record moved): nothing more to do
    // unless the page is still unmarked, then the queue retries this message.
    if ((await services.kv.get(markKey)).versionstamp) return;
    throw new Error("poll page commit conflicted; retrying");
  }
  if (!next) await completeIfDone(services, p.slot, p.carrier);
}

/** The batch's counts, once per batch (its marker), in one commit; then the completion check. */
export async function recordBatch(
  services: Services,
  round: BatchRound,
  carrier: PolledCarrier,
  batchId: string,
  org: string,
  counts: Partial<RoundCounts>,
  meter: KvMeter,
  /** More writes of the batch for the same commit (its log rows). */
  extra?: (op: Deno.AtomicOperation) => void,
): Promise<boolean> {
  const markKey = keys.mark(round.slot, carrier, "batch", batchId);
  const op = services.kv.atomic()
    .check({ key: markKey, versionstamp: null })
    .set(markKey, true, { expireIn: MARK_TTL_MS });
  extra?.(op);
  addCounts(op, round.slot, carrier, counts, org);
  addCounts(op, round.slot, carrier, { batches_done: 1, kv_ops: meter.calls + STATS_TRIPS });
  if (!(await op.commit()).ok) return false;
  await completeIfDone(services, round.slot, carrier);
  return true;
}

/** Whether the batch was already counted (a redelivery after its final commit). */
export async function batchCounted(
  kv: Deno.Kv,
  round: BatchRound,
  carrier: string,
  batchId: string,
): Promise<boolean> {
  return (await kv.get(keys.mark(round.slot, carrier, "batch", batchId))).versionstamp !== null;
}

async function readCounts(kv: Deno.Kv, prefix: Deno.KvKey): Promise<RoundCounts> {
  const counts = zeroCounts();
  for await (const e of kv.list<Deno.KvU64>({ prefix })) {
    counts[e.key.at(-1) as StatField] = Number(e.value.value);
  }
  return counts;
}

/**
 * Completes the carrier's round when paging is done and every planned batch is counted:
 * the check on the record makes exactly one caller write the completion and its log row.
 */
async function completeIfDone(services: Services, slot: number, carrier: PolledCarrier) {
  // Exactly one read (the callers count it): the record and the two batch counters.
  const [meta, planned, done] = await services.kv.getMany<
    [CarrierRoundMeta, Deno.KvU64, Deno.KvU64]
  >([
    keys.meta(slot, carrier),
    keys.stat(slot, carrier, "batches_planned"),
    keys.stat(slot, carrier, "batches_done"),
  ]);
  if (!meta.value || !meta.value.paging_done || meta.value.completed_at) return;
  if (Number(done.value?.value ?? 0n) < Number(planned.value?.value ?? 0n)) return;
  const counts = await readCounts(services.kv, keys.stats(slot, carrier));
  const now = services.clock.now();
  const duration = now.getTime() - Date.parse(meta.value.started_at);
  const completed: CarrierRoundMeta = {
    ...meta.value,
    completed_at: now.toISOString(),
    duration_ms: duration,
  };
  const op = services.kv.atomic().check(meta).set(keys.meta(slot, carrier), completed, {
    expireIn: STATS_TTL_MS,
  });
  logOps(services, op, {
    kind: "poll",
    carrier,
    tracking_numbers: [],
    outcome: "ok",
    latency_ms: duration,
    detail: `round ${slot} complete: ${counts.due} due, ${counts.polled} polled, ` +
      `${counts.changed} changed, ${counts.deferred} deferred, ${counts.carrier_calls} ` +
      `carrier calls, ${counts.kv_ops + 2} KV operations, ${Math.round(duration / 1000)} s`,
  });
  // The counts' read and this commit are part of the round's KV operations.
  addCounts(op, slot, carrier, { kv_ops: 2 });
  await op.commit();
}

export interface Round {
  slot: number;
  started_at: string;
  completed_at: string | null;
  duration_ms: number | null;
  carriers: CarrierRound[];
  totals: RoundCounts;
}

/**
 * The newest rounds, newest first (the staff console's Integrations page and the admin API):
 * all orgs' counts, or one org's share with `org` (its due, polled, changed, carrier calls
 * and its batches' KV operations; the round's own timing is shared).
 *
 * @example const [last] = await latestRounds(kv, { limit: 1 });
 */
export async function latestRounds(
  kv: Deno.Kv,
  opts: { limit?: number; org?: string } = {},
): Promise<Round[]> {
  const limit = Math.min(Math.max(opts.limit ?? 10, 1), 100);
  const rounds: Round[] = [];
  let current: Round | undefined;
  for await (
    const e of kv.list<CarrierRoundMeta>({ prefix: keys.metas() }, { reverse: true, limit: 500 })
  ) {
    const meta = e.value;
    if (!current || current.slot !== meta.slot) {
      if (rounds.length === limit) break;
      current = {
        slot: meta.slot,
        started_at: meta.started_at,
        completed_at: null,
        duration_ms: null,
        carriers: [],
        totals: zeroCounts(),
      };
      rounds.push(current);
    }
    const counts = await readCounts(
      kv,
      opts.org
        ? [...keys.orgStats(opts.org), meta.slot, meta.carrier]
        : keys.stats(meta.slot, meta.carrier),
    );
    current.carriers.unshift({ ...meta, ...counts });
    if (meta.started_at < current.started_at) current.started_at = meta.started_at;
    for (const f of STAT_FIELDS) current.totals[f] += counts[f];
  }
  for (const r of rounds) {
    const done = r.carriers.every((c) => c.completed_at);
    if (!done || r.carriers.length === 0) continue;
    const end = r.carriers.map((c) => c.completed_at!).sort().at(-1)!;
    r.completed_at = end;
    r.duration_ms = Date.parse(end) - Date.parse(r.started_at);
  }
  return rounds;
}

export type { CarrierId };
