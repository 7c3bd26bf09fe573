/**
 * The tracking timeline's marks (INT-007 Order Detail): events that happened are completed
 * (✓), the latest one is current (●) unless the parcel is delivered, and what is still to
 * come is expected (○): events dated in the future, then the estimated delivery when no
 * event already stands for it. Pure, shared by the server render and the island.
 */

export type Mark = "done" | "current" | "expected";

export interface TimelineEvent {
  status: string;
  occurred_at: string;
  description: string;
  location?: string | null;
}

export interface TimelineShipment {
  status: string;
  estimated_delivery?: string | null;
  events: TimelineEvent[];
}

export interface TimelineEntry {
  mark: Mark;
  at: string;
  /** The event's text; absent for the synthesized expected delivery. */
  description?: string;
  location?: string;
  /** True for the estimated-delivery milestone the portal adds. */
  estimate?: boolean;
}

export function buildTimeline(s: TimelineShipment, now: Date): TimelineEntry[] {
  const t = (iso: string) => Date.parse(iso);
  const sorted = [...s.events].filter((e) => !Number.isNaN(t(e.occurred_at)))
    .sort((a, b) => t(a.occurred_at) - t(b.occurred_at));
  const past = sorted.filter((e) => t(e.occurred_at) <= now.getTime());
  const future = sorted.filter((e) => t(e.occurred_at) > now.getTime());
  const delivered = s.status === "delivered" || past.some((e) => e.status === "delivered");
  const entry = (e: TimelineEvent, mark: Mark): TimelineEntry => ({
    mark,
    at: e.occurred_at,
    description: e.description,
    ...(e.location && !e.description.includes(e.location) ? { location: e.location } : {}),
  });
  const out = past.map((e, i) =>
    entry(e, !delivered && i === past.length - 1 ? "current" : "done")
  );
  if (delivered) return out;
  out.push(...future.map((e) => entry(e, "expected")));
  const deliveryPlanned = future.some((e) => e.status === "delivered");
  if (s.estimated_delivery && !deliveryPlanned) {
    out.push({ mark: "expected", at: s.estimated_delivery, estimate: true });
  }
  return out;
}
