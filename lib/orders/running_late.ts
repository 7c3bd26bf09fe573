/**
 * Is it running late? The one rule for "Running late" wherever a shipment or an order is shown:
 * the dashboard's rows and tracking cards, the order page's status line, tracking blocks and
 * timeline island (which bundles this module: keep it tiny, type imports only), the tracking
 * API's `overdue` and the poller's overdue flag.
 *
 * A **shipment** is running late when its order is not cancelled, it is not delivered (by its
 * status or a delivered event), and any of:
 * - the carrier reports an exception (a delay on the way);
 * - the poller flagged it `overdue` (the API said so: the pages must too);
 * - the carrier's revised estimate is later than the original estimate;
 * - the expected day (revised estimate, else estimate) is over.
 *
 * A day is over once it has ended everywhere on Earth (24:00 at UTC−12, i.e. 12:00 UTC the next
 * day): estimates are calendar days at a destination whose zone we do not know, so nobody is
 * told "late" while it is still that day where the goods are going. A timestamp estimate is
 * read by its date (its offset would end the day a few hours sooner: the island's JS budget has
 * no room for it). An instant either way: the answer never depends on the server's or the
 * browser's zone.
 *
 * An **order** is running late when it is neither cancelled nor delivered and a shipment still
 * on its way is late, or its own expected date (the ERP's `delivery_date`, which stands for
 * what has no carrier estimate: nothing shipped yet, or a shipment without a date) is over.
 * A carrier estimate later than the ERP's date is not "late" by itself: the carrier's own
 * revision is what says a promise moved.
 *
 * Inputs are structural: a stored `Shipment`, a dashboard `ShipmentSummary` and the tracking
 * API's JSON all fit `LateFacts`; an `Order` and an `OrderSummary` fit `LateOrder`.
 */

/** What the rule reads of a shipment. */
export interface LateFacts {
  status: string;
  /** YYYY-MM-DD, or an ISO time with its offset. */
  estimated_delivery?: string | null;
  /** The poller's flag. */
  overdue?: boolean | null;
  delivery?: { revised_estimate?: string | null } | null;
  /** Any order: a delivered event counts wherever it is. */
  events?: ReadonlyArray<{ status: string }>;
}

/** What the rule reads of an order. */
export interface LateOrder {
  status: string;
  /** YYYY-MM-DD, the expected delivery the ERP sent. */
  delivery_date: string;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * The instant (ms) the estimated day ends, or NaN when it is not a date: the day ends last
 * at UTC−12, the last zone to end a calendar day.
 */
export function estimateEnds(estimate: string): number {
  if (!DATE.test(estimate)) return NaN;
  return Date.parse(`${estimate.slice(0, 10)}T00:00:00-12:00`) + DAY_MS;
}

/** Whether the estimated day (a date or an ISO time) is over at `now`. */
export function estimateIsOver(estimate: string, now: Date): boolean {
  return now.getTime() >= estimateEnds(estimate); // NaN compares false: never over
}

/** Delivered, by its status or a delivered event. */
export function isDelivered(s: Pick<LateFacts, "status" | "events">): boolean {
  return s.status === "delivered" || !!s.events?.some((e) => e.status === "delivered");
}

const readable = (v: string | null | undefined) => v && DATE.test(v) ? v : undefined;

/** The estimate the shipment is expected by: the carrier's revised one, else the original. */
export function expectedEstimate(s: LateFacts): string | undefined {
  return readable(s.delivery?.revised_estimate) ?? readable(s.estimated_delivery);
}

/** Whether a shipment is running late at `now` (pass its order when you have it). */
export function isShipmentLate(s: LateFacts, now: Date, order?: { status: string }): boolean {
  if (order?.status === "cancelled" || isDelivered(s)) return false;
  const original = s.estimated_delivery?.slice(0, 10) ?? "";
  const revised = s.delivery?.revised_estimate?.slice(0, 10) ?? "";
  // Dates compare as text; an unreadable estimate is never over (estimateEnds is NaN).
  return s.status === "exception" || !!s.overdue || (!!original && revised > original) ||
    estimateIsOver(revised || original, now);
}

/** Whether an order is running late at `now`, given its shipments. */
export function isOrderLate(
  order: LateOrder,
  shipments: readonly LateFacts[],
  now: Date,
): boolean {
  if (order.status === "cancelled" || order.status === "delivered") return false;
  const open = shipments.filter((s) => !isDelivered(s));
  if (shipments.length > 0 && open.length === 0) return false;
  if (open.some((s) => isShipmentLate(s, now, order))) return true;
  const undated = open.length === 0 || open.some((s) => !expectedEstimate(s));
  return undated && estimateIsOver(order.delivery_date, now);
}
