/**
 * The carriers' published rate limits, kept by every server process together (one schedule
 * in KV), and the share of them one 30-minute round may spend.
 *
 * Limits come from `FEDEX_RATE_LIMITS`, `UPS_RATE_LIMITS`, `USPS_RATE_LIMITS` (config.ts):
 * `COUNT/WINDOW` pairs, e.g. FedEx's published "1400/10s,100000/day" (carriers.md §6).
 * - Rolling windows (`10s`, `1h`) are kept by spacing: every call gets its own start time at
 *   least WINDOW / ⌊COUNT · SAFETY⌋ (SAFETY 0.8) after the previous one (virtual scheduling, as GCRA
 *   does), taken from one KV record with a versionstamp check, so any window of that
 *   length holds at most ⌊COUNT · SAFETY⌋ + 1 ≤ COUNT calls wherever it starts, with room
 *   for a call that leaves a little late. A caller that takes n calls waits for its first
 *   start and makes call i at first + i · spacing.
 * - `day` is the carrier's quota day, the UTC day (FedEx resets at 12:00 AM GMT): a counter
 *   checked and raised in the same commit; a day that is spent refuses (the round defers).
 *
 *   ["tracking_rate", carrier, "next"]        the next free start time (ms)
 *   ["tracking_rate", carrier, "day", day]    calls taken that UTC day
 */
import type { Config } from "@/lib/config.ts";
import type { Services } from "@/lib/services.ts";
import type { PolledCarrier } from "./adapters.ts";

/**
 * The share of a rolling limit the schedule uses: the rest is room for calls that leave
 * late (a busy event loop, a slow connection) and bunch up at the carrier.
 */
export const SAFETY = 0.8;
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

/** The least time between two calls' starts that keeps every rolling window (ms; 0 = none). */
export function spacingMs(windows: RateWindow[]): number {
  let spacing = 0;
  for (const w of windows) {
    if (w.day) continue;
    spacing = Math.max(spacing, w.windowMs / Math.max(1, Math.floor(w.limit * SAFETY)));
  }
  return spacing;
}

/**
 * How late a call may leave its start and still go: half the room SAFETY leaves, as time.
 * Calls at most D late put into any window at most what was scheduled in W + D, which is
 * ⌊COUNT · SAFETY⌋ · (1 + (1 − SAFETY) / 2) + 1 ≈ 0.88 · COUNT + 1 ≤ COUNT. Later calls
 * take a new start instead.
 */
export function lateToleranceMs(windows: RateWindow[]): number {
  let tolerance = Infinity;
  for (const w of windows) {
    if (!w.day) tolerance = Math.min(tolerance, (w.windowMs * (1 - SAFETY)) / 2);
  }
  return tolerance;
}

const keys = {
  next: (carrier: string): Deno.KvKey => ["tracking_rate", carrier, "next"],
  day: (carrier: string, day: number): Deno.KvKey => ["tracking_rate", carrier, "day", day],
};

/**
 * Takes `calls` consecutive call starts from the carrier's schedule: the clock time (ms) of
 * the first (the others follow at `spacingMs`), or null when the day's quota has no room or
 * the first start is more than `maxWaitMs` away (nothing is taken then).
 */
export async function reserveCalls(
  services: Services,
  carrier: PolledCarrier,
  windows: RateWindow[],
  calls: number,
  maxWaitMs: number,
): Promise<number | null> {
  const now = () => services.clock.now().getTime();
  if (windows.length === 0 || calls <= 0) return now();
  const spacing = spacingMs(windows);
  const daily = windows.filter((w) => w.day);
  for (let attempt = 0; attempt < 50; attempt++) {
    const t = now();
    const day = Math.floor(t / DAY_MS);
    const [next, used] = await services.kv.getMany<[number, number]>([
      keys.next(carrier),
      keys.day(carrier, day),
    ]);
    const start = Math.max(t, next.value ?? 0);
    if (start - t > maxWaitMs) return null;
    const taken = used.value ?? 0;
    if (daily.some((w) => taken + calls > w.limit)) return null;
    const op = services.kv.atomic().check(next, used);
    if (spacing > 0) {
      op.set(keys.next(carrier), start + calls * spacing, { expireIn: DAY_MS });
    }
    if (daily.length) op.set(keys.day(carrier, day), taken + calls, { expireIn: 2 * DAY_MS });
    if ((await op.commit()).ok) return start;
    // Another process took the schedule meanwhile: try again after a short, random pause.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
  }
  throw new Error(`the ${carrier} rate schedule is too contended`);
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
  const spacing = spacingMs(windows);
  if (spreadMs > 0 && spacing > 0) allowance = Math.max(1, Math.floor(spreadMs / spacing));
  for (const w of windows) {
    if (w.day) {
      const day = Math.floor(now / DAY_MS);
      const used = (await services.kv.get<number>(keys.day(carrier, day))).value ?? 0;
      const roundsLeft = Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / intervalMs));
      allowance = Math.min(allowance, Math.floor(Math.max(0, w.limit - used) / roundsLeft));
    } else if (w.windowMs > intervalMs) {
      // A window longer than a round is shared with the rounds inside it.
      allowance = Math.min(
        allowance,
        Math.max(1, Math.floor(Math.floor(w.limit * SAFETY) * intervalMs / w.windowMs)),
      );
    }
  }
  return allowance;
}
