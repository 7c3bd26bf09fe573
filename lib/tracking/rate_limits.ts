/**
 * The carriers' published rate limits, kept by every server process together (counters in
 * KV), and the share of them one 30-minute round may spend.
 *
 * Limits come from `FEDEX_RATE_LIMITS`, `UPS_RATE_LIMITS`, `USPS_RATE_LIMITS` (config.ts):
 * `COUNT/WINDOW` pairs, e.g. FedEx's published "1400/10s,100000/day" (carriers.md §6).
 * - A rolling window (`10s`, `1h`) is kept as SUB_WINDOWS fixed slices, each allowed
 *   ⌊COUNT / (SUB_WINDOWS + 1)⌋ calls: any window of that length, wherever it starts,
 *   overlaps at most SUB_WINDOWS + 1 slices, so no rolling window ever holds more than
 *   COUNT calls (at the price of ~9 % of the limit).
 * - `day` is the carrier's quota day, the UTC day (FedEx resets at 12:00 AM GMT).
 *
 *   ["tracking_rate", carrier, window_ms, slice]   calls granted in that slice (number)
 */
import type { Config } from "@/lib/config.ts";
import { type Services, sleepOn } from "@/lib/services.ts";
import type { PolledCarrier } from "./adapters.ts";

export const SUB_WINDOWS = 10;
export const DAY_MS = 24 * 3_600_000;

export interface RateWindow {
  /** The published count per window. */
  limit: number;
  windowMs: number;
  /** The UTC day (a fixed quota day, not a rolling one). */
  day: boolean;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `1400/10s,100000/day` (validated by config.ts). */
export function parseRateLimits(text: string): RateWindow[] {
  return text.split(",").map((part) => {
    const [count, window] = part.trim().split("/");
    if (window === "day") return { limit: Number(count), windowMs: DAY_MS, day: true };
    const unit = window.slice(-1);
    return {
      limit: Number(count),
      windowMs: Number(window.slice(0, -1)) * UNIT_MS[unit],
      day: false,
    };
  });
}

/** A carrier's limits from configuration; the demo sandbox has none. */
export function rateLimitsFor(config: Config, carrier: PolledCarrier): RateWindow[] {
  switch (carrier) {
    case "fedex":
      return parseRateLimits(config.FEDEX_RATE_LIMITS);
    case "ups":
      return parseRateLimits(config.UPS_RATE_LIMITS);
    case "usps":
      return parseRateLimits(config.USPS_RATE_LIMITS);
    default:
      return [];
  }
}

interface Slicing {
  sliceMs: number;
  /** Calls one slice may grant. */
  cap: number;
}

function slicing(w: RateWindow): Slicing {
  if (w.day) return { sliceMs: w.windowMs, cap: w.limit };
  const slices = Math.max(1, Math.min(SUB_WINDOWS, w.limit - 1));
  return {
    sliceMs: Math.max(1, Math.floor(w.windowMs / slices)),
    cap: Math.max(1, Math.floor(w.limit / (slices + 1))),
  };
}

/** The most calls one grant can ask for (the smallest slice). */
export function maxCallsPerGrant(windows: RateWindow[]): number {
  return Math.min(Infinity, ...windows.map((w) => slicing(w).cap));
}

const keys = {
  slice: (carrier: string, windowMs: number, slice: number): Deno.KvKey => [
    "tracking_rate",
    carrier,
    windowMs,
    slice,
  ],
};

export type Grant = { granted: true } | { granted: false; waitMs: number };

/**
 * Takes `calls` calls from every window of the carrier now, or says how long to wait for
 * room (no call is taken then). `calls` must be at most `maxCallsPerGrant`.
 */
export async function tryAcquire(
  services: Services,
  carrier: PolledCarrier,
  windows: RateWindow[],
  calls: number,
): Promise<Grant> {
  if (windows.length === 0 || calls <= 0) return { granted: true };
  for (let attempt = 0; attempt < 20; attempt++) {
    const now = services.clock.now().getTime();
    const slots = windows.map((w) => {
      const s = slicing(w);
      const index = Math.floor(now / s.sliceMs);
      return { ...s, index, key: keys.slice(carrier, w.windowMs, index) };
    });
    const entries = await services.kv.getMany<number[]>(slots.map((s) => s.key));
    let waitMs = 0;
    for (const [i, s] of slots.entries()) {
      if ((entries[i].value ?? 0) + calls > s.cap) {
        waitMs = Math.max(waitMs, (s.index + 1) * s.sliceMs - now);
      }
    }
    if (waitMs > 0) return { granted: false, waitMs };
    const op = services.kv.atomic();
    for (const [i, s] of slots.entries()) {
      op.check(entries[i]).set(s.key, (entries[i].value ?? 0) + calls, {
        expireIn: s.sliceMs * 2,
      });
    }
    if ((await op.commit()).ok) return { granted: true };
  }
  return { granted: false, waitMs: 50 };
}

/**
 * Waits (on the services clock) until `calls` calls may go, up to `maxWaitMs`; false when
 * that is not enough (e.g. the day's quota is spent): the caller defers the work.
 */
export async function acquire(
  services: Services,
  carrier: PolledCarrier,
  windows: RateWindow[],
  calls: number,
  maxWaitMs: number,
): Promise<boolean> {
  let waited = 0;
  while (true) {
    const grant = await tryAcquire(services, carrier, windows, calls);
    if (grant.granted) return true;
    if (waited + grant.waitMs > maxWaitMs) return false;
    await sleepOn(services.clock, grant.waitMs);
    waited += grant.waitMs;
  }
}

/**
 * How many calls this round may spend on the carrier: what the rolling windows allow within
 * the spread (and, for windows longer than a round, this round's share of them), and an even
 * share of what is left of the day's quota over the rounds left today. Infinity = no limit.
 */
export async function roundAllowance(
  services: Services,
  carrier: PolledCarrier,
  windows: RateWindow[],
  spreadMs: number,
  intervalMs: number,
): Promise<number> {
  let allowance = Infinity;
  const now = services.clock.now().getTime();
  for (const w of windows) {
    const s = slicing(w);
    if (w.day) {
      const day = Math.floor(now / DAY_MS);
      const used = (await services.kv.get<number>(keys.slice(carrier, w.windowMs, day))).value ??
        0;
      const roundsLeft = Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / intervalMs));
      allowance = Math.min(allowance, Math.floor(Math.max(0, w.limit - used) / roundsLeft));
      continue;
    }
    if (spreadMs > 0) allowance = Math.min(allowance, Math.ceil(spreadMs / s.sliceMs) * s.cap);
    if (w.windowMs > intervalMs) {
      allowance = Math.min(
        allowance,
        Math.floor((w.limit * SUB_WINDOWS / (SUB_WINDOWS + 1)) * intervalMs / w.windowMs),
      );
    }
  }
  return allowance;
}
