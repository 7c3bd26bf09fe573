/**
 * When to ask again about a label the carrier has not scanned yet. A new label shows up at
 * the carrier within minutes to a few hours (USPS: "usually updated within the hour", Error
 * Inventory 150003; #102: "a slight delay" for third-party labels), and most parcels get
 * their first scan the same or the next day; a label still unscanned after days is probably
 * waiting in a warehouse, and asking every 30 minutes only burns the quota (USPS: 60 calls
 * an hour). So: soon at first, then less and less often.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;

const SCHEDULE: [ageBelowMs: number, everyMs: number][] = [
  [HOUR, 15 * MIN],
  [24 * HOUR, 30 * MIN],
  [3 * 24 * HOUR, 2 * HOUR],
];
const THEREAFTER_MS = 6 * HOUR;

/** How long after the last check to ask again, by the label's age (from `shipped_at`). */
export function firstScanRecheckMs(shippedAt: string | undefined, now: Date): number {
  const at = shippedAt ? Date.parse(shippedAt) : Number.NaN;
  const age = Number.isNaN(at) ? 0 : Math.max(0, now.getTime() - at);
  for (const [below, every] of SCHEDULE) if (age < below) return every;
  return THEREAFTER_MS;
}

/** Whether an awaiting label is due for another check (one minute's slack for cron jitter). */
export function firstScanDue(
  s: { shipped_at?: string; last_refreshed_at?: string },
  now: Date,
): boolean {
  const last = s.last_refreshed_at ? Date.parse(s.last_refreshed_at) : Number.NaN;
  if (Number.isNaN(last)) return true;
  return now.getTime() - last >= firstScanRecheckMs(s.shipped_at, now) - MIN;
}
