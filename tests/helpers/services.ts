/**
 * The one way tests build Services: real Deno KV (`:memory:` unless a path or handle is
 * given), configuration from an env the test chooses, the one test clock, and the queue
 * observer that `waitForQueueIdle` reads.
 */
import { loadConfig } from "@/lib/config.ts";
import type { QueueMessage, QueueObserver } from "@/lib/queue/queue.ts";
import type { Clock, Services } from "@/lib/services.ts";

/**
 * The clock every test uses: it stands still until the test moves it. `TestClock.live()`
 * follows real time instead, for server processes a test starts and kills.
 */
export class TestClock implements Clock {
  /** Clock ms per real ms while running; 0 = standing still. */
  #rate = 0;
  #fromReal = 0;
  #fromClock = 0;
  constructor(public current = new Date("2026-01-16T12:00:00Z")) {}
  static live(): TestClock {
    return TestClock.fast(1, new Date());
  }
  /**
   * A clock that runs `rate` times faster than real time from `start`, and waits as long
   * (scaled): for work whose time must flow while calls are in flight (rate limits).
   */
  static fast(rate: number, start = new Date("2026-01-16T12:00:00Z")): TestClock {
    const clock = new TestClock(start);
    clock.#rate = rate;
    clock.#fromReal = Date.now();
    clock.#fromClock = start.getTime();
    return clock;
  }
  now() {
    if (!this.#rate) return new Date(this.current);
    return new Date(this.#fromClock + (Date.now() - this.#fromReal) * this.#rate);
  }
  advance(ms: number) {
    this.current = new Date(this.now().getTime() + ms);
    this.#rate = 0;
  }
  set(iso: string) {
    this.current = new Date(iso);
    this.#rate = 0;
  }
  /** Clock ms per real ms (a standing clock has none: queue delays stay real). */
  get rate(): number | undefined {
    return this.#rate || undefined;
  }
  /** A standing clock does not wait: the waiter's time arrives at once (never moving back). */
  sleep(ms: number): Promise<void> {
    if (this.#rate) return new Promise((r) => setTimeout(r, Math.max(0, ms) / this.#rate));
    const target = this.current.getTime() + Math.max(0, ms);
    return new Promise((r) =>
      setTimeout(() => {
        if (this.current.getTime() < target) this.current = new Date(target);
        r();
      }, 0)
    );
  }
}

type RetryEvent = Parameters<NonNullable<QueueObserver["retryScheduled"]>>[0];

let onRetry: ((e: RetryEvent) => void) | undefined;

/**
 * One test services' messages that are enqueued and not settled yet (handled, rescheduled
 * or dead-lettered). Open services' trackers are what `waitForQueueIdle` waits for; closing
 * the services forgets theirs (a queue without a listener never settles).
 */
class QueueTracker implements QueueObserver {
  readonly pending = new Set<string>();
  enqueued(msg: QueueMessage) {
    this.pending.add(`${msg.id}#${msg.attempt}`);
  }
  settled(msg: QueueMessage) {
    this.pending.delete(`${msg.id}#${msg.attempt}`);
  }
  retryScheduled(e: RetryEvent) {
    onRetry?.(e);
  }
}

const trackers = new Set<QueueTracker>();

function pendingCount(): number {
  let n = 0;
  for (const t of trackers) n += t.pending.size;
  return n;
}

/**
 * Resolves once every message enqueued through test services (and every retry and follow-up
 * message they caused) has settled. Tests call it instead of sleeping. Rejects after
 * `timeoutMs`.
 */
export async function waitForQueueIdle(opts: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (pendingCount() > 0) {
    if (Date.now() > deadline) {
      throw new Error(`Queue not idle: ${pendingCount()} message(s) pending.`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets a test see each scheduled retry and its delay (a value, not a timing assertion). */
export function observeRetries(fn: ((e: RetryEvent) => void) | undefined): void {
  onRetry = fn;
}

export interface TestServices extends Services {
  clock: TestClock;
  /** Closes the KV handle (when this factory opened it) and forgets its queue messages. */
  close(): void;
  [Symbol.dispose](): void;
}

export interface TestServicesOptions {
  /** Environment for `loadConfig` on top of the test defaults. */
  env?: Record<string, string | undefined>;
  /** A KV file (default `:memory:`). */
  kvPath?: string;
  /** An open KV handle to use instead. */
  kv?: Deno.Kv;
  clock?: TestClock;
  /** The origin of links and emails (default: `loadConfig`'s). */
  publicBaseUrl?: string;
}

export async function makeTestServices(opts: TestServicesOptions = {}): Promise<TestServices> {
  const config = loadConfig({
    DENO_ENV: "test",
    KV_PATH: opts.kvPath ?? ":memory:",
    SEED_DEMO: "0",
    PORT: "0",
    // Poll rounds send their batches at once unless a test spreads them.
    TRACKING_SPREAD_SECONDS: "0",
    ...opts.env,
  });
  if (opts.publicBaseUrl) config.publicBaseUrl = opts.publicBaseUrl;
  const owned = !opts.kv;
  const kv = opts.kv ?? await Deno.openKv(config.kvPath);
  const tracker = new QueueTracker();
  trackers.add(tracker);
  let open = owned;
  const close = () => {
    trackers.delete(tracker);
    if (open) kv.close();
    open = false;
  };
  return {
    kv,
    config,
    clock: opts.clock ?? new TestClock(),
    queueObserver: tracker,
    close,
    [Symbol.dispose]: close,
  };
}
