/**
 * What every handler can reach: the one KV handle, the configuration and the clock (on
 * `ctx.state.services`). Tests build theirs with `tests/helpers/services.ts`.
 */
import type { Config } from "./config.ts";
import type { QueueObserver } from "./queue/queue.ts";

export interface Clock {
  now(): Date;
  /**
   * Waits `ms` of this clock's time (default: a timer). A test clock jumps ahead instead; a
   * time-compressed clock (the bench) waits `ms / rate` real milliseconds.
   */
  sleep?(ms: number): Promise<void>;
  /** Clock milliseconds per real millisecond (default 1): a queue delay is given in real ms. */
  rate?: number;
}

export const systemClock: Clock = { now: () => new Date() };

/** Waits `ms` on the services clock (see `Clock.sleep`). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (clock.sleep) return clock.sleep(ms);
  return new Promise((r) => setTimeout(r, realMs(clock, ms)));
}

/** The real milliseconds `ms` of this clock take (what a queue delay is given in). */
export function realMs(clock: Clock, ms: number): number {
  return Math.max(0, Math.round(ms / (clock.rate ?? 1)));
}

export interface Services {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  /** Sees the queue's work (tests); absent in production. */
  queueObserver?: QueueObserver;
}
