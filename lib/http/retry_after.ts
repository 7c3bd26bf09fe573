/**
 * `Retry-After` (RFC 9110: delta-seconds or an HTTP date) as milliseconds from `nowMs`;
 * undefined when absent or unreadable. Fractional seconds, which some APIs send, are kept.
 */
export function retryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The same, in whole seconds (rounded up). */
export function retryAfterSeconds(value: string | null, nowMs = Date.now()): number | undefined {
  const ms = retryAfterMs(value, nowMs);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
