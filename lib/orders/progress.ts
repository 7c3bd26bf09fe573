/**
 * Where an order and its shipments stand, in the customer's terms: which step they are at
 * (Ordered → Processing → Shipped → Out for delivery → Delivered), when they are expected, and
 * the facts a status line or tracking card is written from. Whether something is running late
 * is not decided here but in lib/orders/running_late.ts, the one rule every page and the API
 * ask. Plain data in and out.
 *
 * Inputs are structural: a stored `Shipment`, a dashboard `ShipmentSummary` and the tracking
 * API's JSON all fit `ShipmentProgress`; an `Order` and an `OrderSummary` fit `OrderProgress`.
 *
 * @example
 * const now = new Date("2026-01-20T12:00:00Z");
 * deliveryOutlook(order, shipments, now);
 * // { kind: "late", expected: "2026-01-22", original: "2026-01-18", reason: "Weather delay", … }
 */
import type { DeliveryFacts, OrderStatus, TrackingStatus } from "./model.ts";
import { expectedEstimate, isDelivered, isOrderLate, isShipmentLate } from "./running_late.ts";

/** The customer's steps, in order. */
export const STEPS = ["ordered", "processing", "shipped", "out_for_delivery", "delivered"] as const;
export type Step = typeof STEPS[number];

/** What progress needs of a shipment (a `Shipment`, a `ShipmentSummary` or the API's JSON). */
export interface ShipmentProgress {
  status: TrackingStatus | string;
  /** YYYY-MM-DD (a longer ISO value is read by its date). */
  estimated_delivery?: string | null;
  /** The poller's flag: still undelivered well after the estimate. */
  overdue?: boolean | null;
  delivery?: DeliveryFacts | null;
  /** When it was delivered, if the caller knows (dashboard summaries). */
  delivered_at?: string | null;
  /** Oldest first or not: the delivered event is looked up, never assumed last. */
  events?: ReadonlyArray<{ status: string; occurred_at: string }>;
}

/** What progress needs of an order (an `Order` or an `OrderSummary`). */
export interface OrderProgress {
  status: OrderStatus;
  /** YYYY-MM-DD, the expected delivery the ERP sent. */
  delivery_date: string;
  estimated_ship_date?: string | null;
  /** When the order became cancelled (set by the order store). */
  cancelled_at?: string | null;
}

export type StepState = "done" | "current" | "todo";

/** One shipment's outlook: the facts a status line and a tracking card are written from. */
export type ShipmentOutlook =
  | {
    kind: "delivered";
    /** ISO time of the delivery (the delivered event, with the place's offset), if known. */
    at?: string;
    facts: DeliveryFacts;
  }
  | {
    kind: "late";
    /** The date now expected (the carrier's revised estimate, else the estimate), if any. */
    expected?: string;
    /** The original estimate, when a revised one replaced it. */
    original?: string;
    /** The carrier's words for the delay. */
    reason?: string;
  }
  | { kind: "out_for_delivery"; window?: { begins?: string; ends?: string } }
  | { kind: "on_the_way"; expected?: string; window?: { begins?: string; ends?: string } }
  /** A label exists; the carrier has not picked it up (or scanned it) yet. */
  | { kind: "label_created"; expected?: string };

/** The order's outlook, for the order page's status line and the dashboard. */
export type OrderOutlook =
  | { kind: "cancelled"; at?: string }
  | {
    kind: "delivered";
    at?: string;
    /** The delivery facts, when one shipment carried the order (several: see each). */
    facts?: DeliveryFacts;
  }
  | Extract<ShipmentOutlook, { kind: "late" | "out_for_delivery" }>
  | { kind: "arriving"; expected?: string; window?: { begins?: string; ends?: string } }
  /** Not shipped yet: being prepared, to ship around `shipBy`, expected `expected`. */
  | { kind: "preparing"; expected?: string; shipBy?: string };

const DATE = /^\d{4}-\d{2}-\d{2}/;

/** "2026-01-18" of a date or an ISO time; undefined for anything else. */
function dateOf(v: string | null | undefined): string | undefined {
  return v && DATE.test(v) ? v.slice(0, 10) : undefined;
}

/** The carrier's revised estimate, else the estimate (YYYY-MM-DD). */
export function expectedDate(s: ShipmentProgress): string | undefined {
  return dateOf(expectedEstimate(s));
}

/** When the shipment was delivered: the summary's field, else the latest delivered event. */
export function deliveredAt(s: ShipmentProgress): string | undefined {
  if (s.delivered_at) return s.delivered_at;
  let at: string | undefined;
  for (const e of s.events ?? []) {
    if (e.status !== "delivered") continue;
    if (!at || Date.parse(e.occurred_at) > Date.parse(at)) at = e.occurred_at;
  }
  return at;
}

/** The customer's step for a shipment's tracking status. */
export function shipmentStep(status: TrackingStatus | string): Step {
  switch (status) {
    case "delivered":
      return "delivered";
    case "out_for_delivery":
      return "out_for_delivery";
    case "label_created":
      return "processing";
    default: // picked up, in transit, exception (a delay on the way)
      return "shipped";
  }
}

const rank = (s: Step) => STEPS.indexOf(s);

/**
 * The order's step: the least advanced of its shipments (an order is delivered when all of
 * it is), or its own status when nothing has shipped; null for a cancelled order.
 */
export function orderStep(
  order: OrderProgress,
  shipments: readonly ShipmentProgress[],
): Step | null {
  if (order.status === "cancelled") return null;
  if (order.status === "delivered") return "delivered";
  if (shipments.length === 0) return order.status === "shipped" ? "shipped" : "processing";
  return shipments.map((s) => shipmentStep(isDelivered(s) ? "delivered" : s.status))
    .reduce((a, b) => (rank(b) < rank(a) ? b : a));
}

/** Each step with its state; the current one is `current` (delivered included: it is where it is). */
export function stepStates(current: Step): Array<{ step: Step; state: StepState }> {
  const at = rank(current);
  return STEPS.map((step, i) => ({ step, state: i < at ? "done" : i === at ? "current" : "todo" }));
}

/** One shipment's outlook at `now`. */
export function shipmentOutlook(s: ShipmentProgress, now: Date): ShipmentOutlook {
  if (isDelivered(s)) {
    const at = deliveredAt(s);
    return { kind: "delivered", ...(at ? { at } : {}), facts: s.delivery ?? {} };
  }
  const expected = expectedDate(s);
  const window = s.delivery?.window;
  if (isShipmentLate(s, now)) {
    const original = dateOf(s.estimated_delivery);
    return {
      kind: "late",
      ...(expected ? { expected } : {}),
      ...(original && expected && original !== expected ? { original } : {}),
      ...(s.delivery?.delay_reason ? { reason: s.delivery.delay_reason } : {}),
    };
  }
  if (s.status === "out_for_delivery") {
    return { kind: "out_for_delivery", ...(window ? { window } : {}) };
  }
  if (s.status === "label_created") {
    return { kind: "label_created", ...(expected ? { expected } : {}) };
  }
  return { kind: "on_the_way", ...(expected ? { expected } : {}), ...(window ? { window } : {}) };
}

/**
 * The order's outlook at `now`: cancelled; delivered (when every shipment is, or the ERP says
 * so); late when running_late.ts says the order is (told by its latest late shipment); else
 * out for delivery (one shipment), arriving on the latest expected date (the order is
 * complete when its last parcel arrives), or, with nothing shipped, being prepared.
 */
export function deliveryOutlook(
  order: OrderProgress,
  shipments: readonly ShipmentProgress[],
  now: Date,
): OrderOutlook {
  if (order.status === "cancelled") {
    return { kind: "cancelled", ...(order.cancelled_at ? { at: order.cancelled_at } : {}) };
  }
  const open = shipments.filter((s) => !isDelivered(s));
  if (order.status === "delivered" || (shipments.length > 0 && open.length === 0)) {
    const times = shipments.map(deliveredAt).filter((t): t is string => !!t)
      .sort((a, b) => Date.parse(a) - Date.parse(b));
    const at = times.at(-1);
    const facts = shipments.length === 1 ? shipments[0].delivery ?? undefined : undefined;
    return { kind: "delivered", ...(at ? { at } : {}), ...(facts ? { facts } : {}) };
  }
  const expectedByOrder = dateOf(order.delivery_date);
  if (isOrderLate(order, shipments, now)) {
    // Described by its latest late shipment, else by the order's own missed date.
    const late = open.map((s) => shipmentOutlook(s, now))
      .filter((o): o is Extract<ShipmentOutlook, { kind: "late" }> => o.kind === "late");
    const expected = latest(late.map((o) => o.expected));
    const first = late.find((o) => o.expected === expected) ?? late[0];
    if (first) return { ...first, ...(expected ? { expected } : {}) };
    return { kind: "late", ...(expectedByOrder ? { expected: expectedByOrder } : {}) };
  }
  if (open.length === 0) {
    const expected = expectedByOrder;
    if (order.status === "shipped") return { kind: "arriving", ...(expected ? { expected } : {}) };
    const shipBy = dateOf(order.estimated_ship_date);
    return {
      kind: "preparing",
      ...(expected ? { expected } : {}),
      ...(shipBy ? { shipBy } : {}),
    };
  }
  const expected = latest(open.map((s) => expectedDate(s) ?? expectedByOrder));
  const ofd = open.find((s) => s.status === "out_for_delivery");
  if (ofd && open.length === 1) {
    const window = ofd.delivery?.window;
    return { kind: "out_for_delivery", ...(window ? { window } : {}) };
  }
  const window = open.length === 1 ? open[0].delivery?.window : undefined;
  return { kind: "arriving", ...(expected ? { expected } : {}), ...(window ? { window } : {}) };
}

/** The latest of some dates (YYYY-MM-DD). */
function latest(dates: Array<string | undefined>): string | undefined {
  return dates.filter((d): d is string => !!d).sort().at(-1);
}
