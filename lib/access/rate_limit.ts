/**
 * The per-link (and per-address) rate limit: a sliding window of one hour kept in Deno KV.
 *
 * Algorithm: the sliding-window counter. Requests are counted in fixed hourly windows
 * (`["rate_limit", kind, id, windowIndex]`, a Deno.KvU64); the estimate for "the last hour"
 * is `current + previous × (share of the previous window still inside the last hour)`.
 * A request is allowed when that estimate is below the limit, and only allowed requests
 * are counted (a client that keeps knocking still gets back in).
 *
 * Exactness under concurrency and across processes: the counter is read and written back in
 * one atomic operation that checks the versionstamps just read, so no two requests can both
 * take the 100th place; a lost race re-reads and decides again. At most one atomic write per
 * request (writes are the expensive part, platform-facts.md), none for a refused request.
 *
 * Within one process, concurrent requests for the same counter are combined: while one
 * read-decide-write round is in flight, newcomers queue, and the next round decides for all
 * of them with one read and one write. This keeps a busy link from fighting itself over one
 * versionstamp (which would make every round a retry); processes sharing a KV still settle
 * through the versionstamp check.
 *
 * Counting that must not cost a write of its own rides on this one (`tally`): a request may
 * bring counter mutations (sums, maxima: a link's views, downloads and last use), which are
 * added to the same atomic operation only if the request is admitted. Sum and max commute,
 * so a batch adds them up and a lost race simply rebuilds the operation.
 */
import type { Services } from "@/lib/services.ts";
import { log } from "@/lib/log.ts";

export const WINDOW_MS = 60 * 60 * 1000;
/** Rounds lost to other processes before giving up on one batch (it is refused, not let in). */
const MAX_ROUNDS = 50;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the sliding hour after this one. */
  remaining: number;
  /**
   * Seconds until capacity comes back: when refused, the same as `retryAfter`; when allowed,
   * until the current fixed window rolls over and its count starts to slide out.
   */
  resetSeconds: number;
  /** Seconds to wait before a refused request can succeed (0 when allowed). */
  retryAfter: number;
}

/** What is limited: a link (by token hash) or a client address (bad links). */
export interface RateSubject {
  kind: "link" | "addr" | "staff_signin";
  id: string;
}

/** Counter mutations that go with an admitted request's rate-limit write. */
export interface RateTally {
  /** Keys whose Deno.KvU64 grows by one. */
  sum: Deno.KvKey[];
  /** Keys whose Deno.KvU64 becomes at least this value. */
  max: Array<[Deno.KvKey, bigint]>;
}

const keys = {
  counter: (s: RateSubject, window: number) => ["rate_limit", s.kind, s.id, window],
};

interface Waiter {
  resolve: (d: RateLimitDecision) => void;
  reject: (err: unknown) => void;
  tally?: RateTally;
}
interface Lane {
  queue: Waiter[];
}
// Per KV handle: two handles (tests, or two processes) must each go through KV.
const lanes = new WeakMap<Deno.Kv, Map<string, Lane>>();

/**
 * Counts one request against `subject` and says whether it may proceed; an admitted
 * request's `tally` is written with the counter, in the same atomic operation.
 *
 * @example
 * const d = await hitRateLimit(services, { kind: "link", id: tokenHash });
 * if (!d.allowed) return tooMany(d.retryAfter);
 */
export function hitRateLimit(
  services: Services,
  subject: RateSubject,
  limit: number = services.config.RATE_LIMIT_PER_HOUR,
  tally?: RateTally,
): Promise<RateLimitDecision> {
  const { kv } = services;
  let byKey = lanes.get(kv);
  if (!byKey) lanes.set(kv, byKey = new Map());
  const laneKey = `${subject.kind}\u0000${subject.id}\u0000${limit}`;
  return new Promise((resolve, reject) => {
    const lane = byKey.get(laneKey);
    if (lane) {
      lane.queue.push({ resolve, reject, tally });
      return;
    }
    const fresh: Lane = { queue: [{ resolve, reject, tally }] };
    byKey.set(laneKey, fresh);
    drain(services, subject, limit, fresh, () => byKey.delete(laneKey));
  });
}

async function drain(
  services: Services,
  subject: RateSubject,
  limit: number,
  lane: Lane,
  close: () => void,
) {
  while (true) {
    // Closed synchronously with the emptiness check: a waiter queued after this point
    // starts a new lane instead of waiting on one that has stopped.
    if (lane.queue.length === 0) return close();
    const batch = lane.queue.splice(0);
    try {
      const decisions = await decide(services, subject, limit, batch.map((w) => w.tally));
      batch.forEach((w, i) => w.resolve(decisions[i]));
    } catch (err) {
      batch.forEach((w) => w.reject(err));
    }
  }
}

/** One read-decide-write round for these requests, retried when another writer got in first. */
async function decide(
  services: Services,
  subject: RateSubject,
  limit: number,
  tallies: Array<RateTally | undefined>,
): Promise<RateLimitDecision[]> {
  const { kv, clock } = services;
  const n = tallies.length;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round > 0) await backoff(round);
    const t = clock.now().getTime();
    const window = Math.floor(t / WINDOW_MS);
    const elapsed = t - window * WINDOW_MS;
    let cur: Deno.KvEntryMaybe<Deno.KvU64>;
    let prev: Deno.KvEntryMaybe<Deno.KvU64>;
    try {
      [cur, prev] = await kv.getMany<[Deno.KvU64, Deno.KvU64]>([
        keys.counter(subject, window),
        keys.counter(subject, window - 1),
      ]);
    } catch (err) {
      if (isBusy(err)) continue;
      throw err;
    }
    const current = Number(cur.value?.value ?? 0n);
    const previous = Number(prev.value?.value ?? 0n);
    const decisions = decideBatch({ current, previous, elapsed, limit, n });
    const admitted = decisions.filter((d) => d.allowed).length;
    if (admitted === 0) return decisions;
    let res: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      const op = kv.atomic()
        .check(cur)
        .check(prev)
        // Two windows back no longer counts; let KV drop it.
        .set(keys.counter(subject, window), new Deno.KvU64(BigInt(current + admitted)), {
          expireIn: 2 * WINDOW_MS + 60_000,
        });
      addTallies(op, tallies.filter((_, i) => decisions[i].allowed));
      res = await op.commit();
    } catch (err) {
      if (isBusy(err)) continue;
      throw err;
    }
    if (res.ok) return decisions;
  }
  // Only reachable under heavy contention from many processes: refuse rather than overshoot.
  log.warn("rate limit contention", { kind: subject.kind });
  return Array.from({ length: n }, () => ({
    allowed: false,
    limit,
    remaining: 0,
    resetSeconds: 1,
    retryAfter: 1,
  }));
}

/** The admitted requests' counters, merged: one sum per key, the highest max per key. */
function addTallies(op: Deno.AtomicOperation, tallies: Array<RateTally | undefined>) {
  const sums = new Map<string, { key: Deno.KvKey; n: bigint }>();
  const maxes = new Map<string, { key: Deno.KvKey; v: bigint }>();
  for (const t of tallies) {
    if (!t) continue;
    for (const key of t.sum) {
      const id = JSON.stringify(key);
      const s = sums.get(id);
      if (s) s.n++;
      else sums.set(id, { key, n: 1n });
    }
    for (const [key, v] of t.max) {
      const id = JSON.stringify(key);
      const m = maxes.get(id);
      if (!m || m.v < v) maxes.set(id, { key, v });
    }
  }
  for (const { key, n } of sums.values()) op.sum(key, n);
  for (const { key, v } of maxes.values()) op.max(key, v);
}

/**
 * A local KV file shared by several processes answers "database is locked" while another
 * holds the write lock: the same situation as a lost versionstamp race, so retry.
 */
function isBusy(err: unknown): boolean {
  return err instanceof Error && /database is locked|busy/i.test(err.message);
}

/** A short random pause, growing with the round, so contenders stop colliding in step. */
function backoff(round: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** Math.min(round, 6));
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The pure part: given the two window counts and the position in the current window, the
 * decision for each of `n` requests in arrival order. Exported for tests.
 */
export function decideBatch(
  input: { current: number; previous: number; elapsed: number; limit: number; n: number },
): RateLimitDecision[] {
  const { previous, elapsed, limit, n } = input;
  let current = input.current;
  const weight = (WINDOW_MS - elapsed) / WINDOW_MS;
  const out: RateLimitDecision[] = [];
  for (let i = 0; i < n; i++) {
    const estimate = current + previous * weight;
    if (estimate < limit) {
      current++;
      const remaining = Math.max(0, Math.floor(limit - (current + previous * weight)));
      const resetSeconds = Math.max(1, Math.ceil((WINDOW_MS - elapsed) / 1000));
      out.push({ allowed: true, limit, remaining, resetSeconds, retryAfter: 0 });
    } else {
      const wait = Math.max(1, Math.ceil(msUntilAllowed(current, previous, elapsed, limit) / 1000));
      out.push({ allowed: false, limit, remaining: 0, resetSeconds: wait, retryAfter: wait });
    }
  }
  return out;
}

/** How long until `current + previous × weight` drops below the limit. */
function msUntilAllowed(current: number, previous: number, elapsed: number, limit: number) {
  if (current < limit) {
    // Within this window: the previous window's share must fall below what is left.
    // previous × (W − e') / W < limit − current  ⇔  e' > W × (1 − (limit − current) / previous)
    const target = WINDOW_MS * (1 - (limit - current) / previous);
    return Math.max(0, target - elapsed) + 1;
  }
  // Next window: this window's count becomes `previous` and must slide out far enough.
  const intoNext = WINDOW_MS * (1 - limit / current);
  return WINDOW_MS - elapsed + intoNext + 1;
}
