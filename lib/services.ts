/**
 * What every handler can reach: the one KV handle, the configuration and the clock (on
 * `ctx.state.services`). Tests build theirs with `tests/helpers/services.ts`.
 */
import type { Config } from "./config.ts";
import type { QueueObserver } from "./queue/queue.ts";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Services {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  /** Sees the queue's work (tests); absent in production. */
  queueObserver?: QueueObserver;
}
