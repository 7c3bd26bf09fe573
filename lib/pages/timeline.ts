/**
 * The tracking timeline's entries and marks (INT-007 Order Detail): events that happened are
 * completed (✓), the latest one is current (●) unless the parcel is delivered, and what is
 * still to come is expected (○): events dated in the future, then the estimated delivery when
 * no event already stands for it. A shipment running late (lib/orders/running_late.ts) has its
 * estimated delivery marked late (!); one the carrier re-estimated shows the missed date as
 * late and the new one as expected.
 *
 * Events keep their order in time; an estimate is placed by the wall-clock date it shows (the
 * end of its day against each event's local time), so a missed Jan 18 estimate is listed
 * before a Jan 22 scan, never after it. Pure, shared by the server render and the island.
 */
import type { DeliveryFacts } from "@/lib/orders/model.ts";
import { estimateIsOver, isDelivered, isShipmentLate } from "@/lib/orders/running_late.ts";
import { wallClock } from "@/lib/i18n/format.ts";

export type Mark = "done" | "current" | "expected" | "late";

export interface TimelineEvent {
  status: string;
  occurred_at: string;
  description: string;
  location?: string | null;
  /** The carrier gave a local time in no zone we know: shown as written, never converted. */
  time_zone_unknown?: boolean;
}

export interface TimelineShipment {
  status: string;
  estimated_delivery?: string | null;
  overdue?: boolean | null;
  delivery?: DeliveryFacts | null;
  events: TimelineEvent[];
}

export interface TimelineEntry {
  mark: Mark;
  at: string;
  /** The event's text; absent for the estimated deliveries the portal adds. */
  description?: string;
  location?: string;
  /** An estimated-delivery milestone: the current one, a replaced original, or a new one. */
  estimate?: "expected" | "original" | "revised";
  time_zone_unknown?: boolean;
}

/** The wall-clock time an ISO value shows, as a number to sort by (dates: end of the day). */
function wallKey(iso: string): number {
  const t = wallClock(iso)?.getTime() ?? NaN;
  return iso.length === 10 ? t + 86_399_999 : t;
}

export function buildTimeline(s: TimelineShipment, now: Date): TimelineEntry[] {
  const instant = (iso: string) => Date.parse(iso);
  const events = s.events.filter((e) => !Number.isNaN(instant(e.occurred_at)));
  const past = events.filter((e) => instant(e.occurred_at) <= now.getTime())
    .sort((a, b) => instant(a.occurred_at) - instant(b.occurred_at));
  const future = events.filter((e) => instant(e.occurred_at) > now.getTime());
  const delivered = isDelivered({ status: s.status, events: past });
  const entry = (e: TimelineEvent, mark: Mark): TimelineEntry => ({
    mark,
    at: e.occurred_at,
    description: e.description,
    ...(e.location && !e.description.includes(e.location) ? { location: e.location } : {}),
    ...(e.time_zone_unknown ? { time_zone_unknown: true } : {}),
  });
  const out = past.map((e, i) =>
    entry(e, !delivered && i === past.length - 1 ? "current" : "done")
  );
  if (delivered) return out;
  out.push(
    ...future.sort((a, b) => instant(a.occurred_at) - instant(b.occurred_at))
      .map((e) => entry(e, "expected")),
  );
  if (future.some((e) => e.status === "delivered")) return out;
  const original = s.estimated_delivery?.slice(0, 10);
  const revised = s.delivery?.revised_estimate?.slice(0, 10);
  const late = isShipmentLate(s, now); // delivered, by past or future events, returned above
  const milestones: TimelineEntry[] = [];
  if (original && revised && revised > original) {
    milestones.push({ mark: "late", at: original, estimate: "original" });
  }
  const expected = revised ?? original;
  const isRevised = !!revised && revised !== original;
  if (expected) {
    milestones.push({
      // A new estimate still ahead is expected, not late: the missed original says late.
      mark: (isRevised ? estimateIsOver(expected, now) : late) ? "late" : "expected",
      at: expected,
      estimate: isRevised ? "revised" : "expected",
    });
  }
  // Events keep the carrier's order; an estimate goes before the first event shown later.
  for (const m of milestones) {
    const at = out.findIndex((e) => wallKey(e.at) > wallKey(m.at));
    out.splice(at === -1 ? out.length : at, 0, m);
  }
  return out;
}
