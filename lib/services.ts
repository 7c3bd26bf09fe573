/**
 * What every handler can reach: the one KV handle, the configuration and the clock.
 * Tests build their own with `:memory:` KV and a fixed clock.
 */
import type { Config } from "./config.ts";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Services {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
}
