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
  kind: "link" | "addr";
  id: string;
}

const keys = {
  counter: (s: RateSubject, window: number) => ["rate_limit", s.kind, s.id, window],
};

interface Waiter {
  resolve: (d: RateLimitDecision) => void;
  reject: (err: unknown) => void;
}
interface Lane {
  queue: Waiter[];
}
// Per KV handle: two handles (tests, or two processes) must each go through KV.
const lanes = new WeakMap<Deno.Kv, Map<string, Lane>>();

/**
 * Counts one request against `subject` and says whether it may proceed.
 *
 * @example
 * const d = await hitRateLimit(services, { kind: "link", id: tokenHash });
 * if (!d.allowed) return tooMany(d.retryAfter);
 */
export function hitRateLimit(
  services: Services,
  subject: RateSubject,
  limit: number = services.config.RATE_LIMIT_PER_HOUR,
): Promise<RateLimitDecision> {
  const { kv } = services;
  let byKey = lanes.get(kv);
  if (!byKey) lanes.set(kv, byKey = new Map());
  const laneKey = `${subject.kind}\u0000${subject.id}\u0000${limit}`;
  return new Promise((resolve, reject) => {
    const lane = byKey.get(laneKey);
    if (lane) {
      lane.queue.push({ resolve, reject });
      return;
    }
    const fresh: Lane = { queue: [{ resolve, reject }] };
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
      const decisions = await decide(services, subject, limit, batch.length);
      batch.forEach((w, i) => w.resolve(decisions[i]));
    } catch (err) {
      batch.forEach((w) => w.reject(err));
    }
  }
}

/** One read-decide-write round for `n` requests, retried when another writer got in first. */
async function decide(
  services: Services,
  subject: RateSubject,
  limit: number,
  n: number,
): Promise<RateLimitDecision[]> {
  const { kv, clock } = services;
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
      res = await kv.atomic()
        .check(cur)
        .check(prev)
        // Two windows back no longer counts; let KV drop it.
        .set(keys.counter(subject, window), new Deno.KvU64(BigInt(current + admitted)), {
          expireIn: 2 * WINDOW_MS + 60_000,
        })
        .commit();
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
