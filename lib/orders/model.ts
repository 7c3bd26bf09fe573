/**
 * The portal's records, in the spec's words (INT-007 Data Fields). Amounts and quantities
 * are decimal strings ("18.50", "12.5"), computed with exact decimal arithmetic
 * (lib/orders/money.ts), never floats.
 */
export const LOCALES = ["en", "es", "pl"] as const;
export type Locale = typeof LOCALES[number];

export const ORDER_STATUSES = ["processing", "shipped", "delivered", "cancelled"] as const;
export type OrderStatus = typeof ORDER_STATUSES[number];

/**
 * Dashboard filter values; `active` = processing + shipped; `in_transit` = the active orders
 * with a shipment on its way (picked up, in transit, out for delivery or delayed), the Quick
 * Stats' "In Transit".
 */
export const ORDER_FILTERS = [
  "all",
  "active",
  "in_transit",
  "shipped",
  "delivered",
  "cancelled",
] as const;
export type OrderFilter = typeof ORDER_FILTERS[number];

/** The normalized tracking event model every carrier adapter maps onto. */
export const TRACKING_STATUSES = [
  "label_created",
  "picked_up",
  "in_transit",
  "out_for_delivery",
  "delivered",
  "exception",
] as const;
export type TrackingStatus = typeof TRACKING_STATUSES[number];

export const CARRIERS = ["fedex", "ups", "usps", "manual", "sandbox"] as const;
export type CarrierId = typeof CARRIERS[number];

export const DOCUMENT_IDS = ["order-confirmation", "packing-slip", "invoice"] as const;
export type DocumentId = typeof DOCUMENT_IDS[number];

/**
 * The documents an order offers (page links, downloads, the ZIP): a cancelled order has no
 * packing slip, since nothing will be packed; its invoice stays, marked cancelled.
 */
export function documentIdsFor(order: { status?: string }): readonly DocumentId[] {
  return order.status === "cancelled"
    ? DOCUMENT_IDS.filter((id) => id !== "packing-slip")
    : DOCUMENT_IDS;
}

export interface Org {
  slug: string;
  name: string;
  support_email: string;
  support_phone: string;
  created_at: string;
}

export interface Customer {
  org: string;
  ref: string;
  name: string;
  email: string;
  phone?: string;
  locale: Locale;
  /** ISO time of the previous visit through a link (written at most once an hour). */
  last_visit_at?: string;
  created_at: string;
  updated_at: string;
}

export interface LineItem {
  item_code: string;
  description: string;
  qty_ordered: string;
  uom?: string;
  unit_price: string;
  /** qty_ordered × unit_price, computed by the server. */
  line_total: string;
}

export interface TrackingEvent {
  status: TrackingStatus;
  /** ISO 8601 with the local offset of the place it happened, when the carrier gives one. */
  occurred_at: string;
  description: string;
  location?: string;
  /** The carrier's own code and text, kept for exceptions and support. */
  carrier_code?: string;
  /**
   * Set when the carrier sent a local time without an offset and we resolved it: the IANA zone
   * of the event's place (or of the shipment's origin/destination) that gave the offset.
   */
  time_zone?: string;
  /**
   * The carrier sent a local time without an offset and no place we could resolve: the wall
   * clock is written as UTC in `occurred_at`; show it as the carrier's local time, unconverted.
   */
  time_zone_unknown?: true;
}

/** Where a carrier says a parcel was left (its own words are kept in `left_at_text`). */
export const LEFT_AT_PLACES = [
  "front_door",
  "back_door",
  "side_door",
  "porch",
  "garage",
  "mailbox",
  "parcel_locker",
  "reception",
  "mail_room",
  "neighbor",
  "individual",
  "pickup_point",
  "post_office",
  "residence",
  "other",
] as const;
export type LeftAtPlace = typeof LEFT_AT_PLACES[number];

/**
 * What the carrier says about the delivery (or its delay) beyond the events: the facts
 * customers ask support for. Every field is optional: carriers give what they have.
 */
export interface DeliveryFacts {
  /** Who took the parcel, as the carrier wrote it (e.g. "D.HERRERA"). */
  received_by?: string;
  /** Who signed for it, when the carrier reports a signature. */
  signed_by?: string;
  left_at?: LeftAtPlace;
  /** The carrier's words for where it was left ("Receptionist/Front Desk", "Parcel Locker"). */
  left_at_text?: string;
  /** Delivery attempts so far, when the carrier counts them. */
  attempts?: number;
  /** The carrier's reason for a delay or exception, in its words. */
  delay_reason?: string;
  /** The carrier's new estimated delivery date after a delay (YYYY-MM-DD). */
  revised_estimate?: string;
  /** The delivery window or commitment the carrier states; either end may be missing. */
  window?: { begins?: string; ends?: string };
  /** Whether the carrier holds a proof of delivery, and where its API offers it. */
  proof_of_delivery?: {
    available: boolean;
    kind?: "signature" | "photo" | "document";
    /** A link to the carrier's POD, only where its API gives one. */
    url?: string;
    /** How to fetch the document from the carrier's API when it is a separate call. */
    document?: "fedex_signature_proof_of_delivery" | "ups_pod" | "usps_proof_of_delivery";
  };
}

export interface Shipment {
  org: string;
  order_number: string;
  tracking_number: string;
  carrier: CarrierId;
  /** Display name, e.g. "FedEx Freight". */
  carrier_name?: string;
  service?: string;
  shipped_at: string;
  estimated_delivery?: string;
  estimated_window?: { begins: string; ends: string };
  status: TrackingStatus;
  /** Oldest first. */
  events: TrackingEvent[];
  /** When the carrier was last asked (or a manual update arrived). */
  last_refreshed_at?: string;
  /** Flagged when still undelivered long after its estimate. */
  overdue?: boolean;
  /** The carrier knows the number but has no scan yet (a new label): not an error. */
  awaiting_first_scan?: boolean;
  /** The carrier's delivery facts (who, where, delay, proof of delivery). */
  delivery?: DeliveryFacts;
  /**
   * The carrier's own id of this shipment when its number is reused (FedEx
   * `trackingNumberUniqueId`): asked for by id on the next poll, so another shipment's events
   * never show here.
   */
  carrier_ref?: string;
}

/** What the dashboard row and tracking card need of a shipment. */
export interface ShipmentSummary {
  carrier: CarrierId;
  carrier_name?: string;
  tracking_number: string;
  status: TrackingStatus;
  estimated_delivery?: string;
  delivered_at?: string;
  /** The poller's overdue flag, so the dashboard's "Running late" is the order page's. */
  overdue?: boolean;
  /** The carrier's revised estimate, the one delivery fact lateness reads. */
  delivery?: Pick<DeliveryFacts, "revised_estimate">;
}

export interface Order {
  org: string;
  customer_ref: string;
  order_number: string;
  /** YYYY-MM-DD */
  order_date: string;
  /** YYYY-MM-DD, expected delivery. */
  delivery_date: string;
  status: OrderStatus;
  currency: string;
  delivery_address: string;
  lines: LineItem[];
  items_count: number;
  subtotal: string;
  tax: string;
  /** Absent shipping means "Included". */
  shipping?: string;
  total: string;
  invoice_number: string;
  /** The customer's own purchase order number, as the ERP sent it (one line, ≤ 35 chars). */
  customer_po?: string;
  /** Estimated ship date for processing orders (YYYY-MM-DD). */
  estimated_ship_date?: string;
  shipments: ShipmentSummary[];
  created_at: string;
  updated_at: string;
  /** When the order store first saw it cancelled (kept while it stays cancelled). */
  cancelled_at?: string;
}

/** The subset of an order shown in lists (dashboard rows, index entries). */
export type OrderSummary = Omit<Order, "lines" | "delivery_address">;

export function toSummary(order: Order): OrderSummary {
  const { lines: _l, delivery_address: _a, ...summary } = order;
  return summary;
}
