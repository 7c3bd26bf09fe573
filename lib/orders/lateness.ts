/**
 * Is it late? The one rule for "Running late" wherever an order or a shipment is shown
 * (dashboard rows and cards today; the order page's status line can use the same functions).
 *
 * - A shipment is late when it is not delivered and its estimated day is over: a date-only
 *   estimate ("2026-01-18") is over when that day has ended everywhere (24:00 at UTC−12, i.e.
 *   the next day 12:00 UTC), so no customer sees "late" while the day is still running where
 *   they are; a timestamp estimate is over when its own local day (its date and offset) ends.
 * - An open order (processing or shipped) is late when one of its undelivered shipments is
 *   late, or when its expected delivery date (the ERP's `delivery_date`) is over by the same
 *   rule, or when a shipment's estimate is later than that date (the carrier's new estimate).
 * - Delivered and cancelled orders are never late.
 *
 * Plain data in and out; `now` comes from the caller's clock. The poller's `overdue` flag
 * (lib/tracking/poller.ts: two days' grace, for operations) is a different, later signal.
 */
import type { OrderSummary, ShipmentSummary } from "./model.ts";

const DAY_MS = 86_400_000;
/** The last zone to end a calendar day is UTC−12. */
const LAST_ZONE_MS = 12 * 3_600_000;

/** The instant after which the estimated day `estimate` is over, or NaN when unreadable. */
export function estimateEnds(estimate: string): number {
  const date = estimate.slice(0, 10);
  const offset = estimate.length > 10 ? estimate.match(/(Z|[+-]\d{2}:\d{2})$/)?.[1] : undefined;
  if (offset) return Date.parse(`${date}T00:00:00${offset}`) + DAY_MS;
  return Date.parse(`${date}T00:00:00Z`) + DAY_MS + LAST_ZONE_MS;
}

/** The estimate's calendar day (YYYY-MM-DD) as the carrier or ERP stated it. */
function day(estimate: string): string {
  return estimate.slice(0, 10);
}

/** A shipment not delivered by the end of its estimated day. */
export function isShipmentLate(
  s: Pick<ShipmentSummary, "status" | "estimated_delivery">,
  now: Date,
): boolean {
  if (s.status === "delivered" || !s.estimated_delivery) return false;
  const ends = estimateEnds(s.estimated_delivery);
  return !Number.isNaN(ends) && now.getTime() >= ends;
}

export interface OrderLateness {
  late: boolean;
  /** The latest estimate still ahead (YYYY-MM-DD), when a carrier gives one. */
  newEstimate?: string;
}

/** Whether an open order is running late, and the new estimate when one is known. */
export function orderLateness(
  o: Pick<OrderSummary, "status" | "delivery_date" | "shipments">,
  now: Date,
): OrderLateness {
  if (o.status !== "processing" && o.status !== "shipped") return { late: false };
  const open = o.shipments.filter((s) => s.status !== "delivered");
  const ahead = open
    .map((s) => s.estimated_delivery)
    .filter((e): e is string => !!e && now.getTime() < estimateEnds(e))
    .map(day)
    .sort();
  const newEstimate = ahead.at(-1);
  const late = open.some((s) => isShipmentLate(s, now)) ||
    now.getTime() >= estimateEnds(o.delivery_date) ||
    (newEstimate !== undefined && newEstimate > o.delivery_date);
  return late ? { late, ...(newEstimate ? { newEstimate } : {}) } : { late };
}
