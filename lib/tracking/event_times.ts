/**
 * An event's time as the tracking API gives it: the instant (UTC) and the local wall time
 * with the offset of the place it happened, from the stored `occurred_at` (which keeps the
 * carrier's offset, or the one resolved in the place's zone: time_zones.ts). When even the
 * zone was unknown, the local time has no offset and there is no instant to give.
 */
import type { TrackingEvent } from "@/lib/orders/model.ts";

export interface EventTimes {
  /** ISO 8601 in UTC ("2026-01-15T15:30:00.000Z"); null when the zone is unknown. */
  instant: string | null;
  /** The wall time where it happened: "2026-01-15T10:30:00-05:00" (no offset if unknown). */
  local_time: string;
  /** "-05:00"; null when the zone is unknown. */
  utc_offset: string | null;
  /** The IANA zone that gave the offset when the carrier sent none; else null. */
  time_zone: string | null;
  /** The carrier sent a local time and no place we could place in a zone. */
  time_zone_unknown: boolean;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

function offsetOf(raw: string): string {
  if (raw.toUpperCase() === "Z") return "+00:00";
  return raw.includes(":") ? raw : `${raw.slice(0, 3)}:${raw.slice(3)}`;
}

/** `eventTimes({occurred_at: "2026-01-15T10:30:00-05:00", …})` → instant 15:30Z, offset -05:00. */
export function eventTimes(
  e: Pick<TrackingEvent, "occurred_at" | "time_zone" | "time_zone_unknown">,
): EventTimes {
  const m = ISO.exec(e.occurred_at.trim());
  const unknown = e.time_zone_unknown === true;
  const at = Date.parse(e.occurred_at);
  if (!m) {
    return {
      instant: unknown || Number.isNaN(at) ? null : new Date(at).toISOString(),
      local_time: e.occurred_at,
      utc_offset: null,
      time_zone: e.time_zone ?? null,
      time_zone_unknown: unknown,
    };
  }
  const wall = `${m[1]}:${m[2] ?? "00"}`;
  // Unknown zone: the stored value is the wall time written as UTC, not an instant.
  if (unknown || !m[3]) {
    return {
      instant: null,
      local_time: wall,
      utc_offset: null,
      time_zone: null,
      time_zone_unknown: true,
    };
  }
  const offset = offsetOf(m[3]);
  const instant = Date.parse(`${wall}${m[0].match(/\.\d+/)?.[0] ?? ""}${offset}`);
  return {
    instant: Number.isNaN(instant) ? null : new Date(instant).toISOString(),
    local_time: `${wall}${offset}`,
    utc_offset: offset,
    time_zone: e.time_zone ?? null,
    time_zone_unknown: false,
  };
}
