/**
 * The portal's records, in the spec's words (INT-007 Data Fields). Amounts and quantities
 * are decimal strings ("18.50", "12.5"), computed with exact decimal arithmetic
 * (lib/orders/money.ts), never floats.
 */
export const LOCALES = ["en", "es", "pl"] as const;
export type Locale = typeof LOCALES[number];

export const ORDER_STATUSES = ["processing", "shipped", "delivered", "cancelled"] as const;
export type OrderStatus = typeof ORDER_STATUSES[number];

/** Dashboard filter values; `active` = processing + shipped. */
export const ORDER_FILTERS = ["all", "active", "shipped", "delivered", "cancelled"] as const;
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
}

/** What the dashboard row and tracking card need of a shipment. */
export interface ShipmentSummary {
  carrier: CarrierId;
  carrier_name?: string;
  tracking_number: string;
  status: TrackingStatus;
  estimated_delivery?: string;
  delivered_at?: string;
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
  /** Estimated ship date for processing orders (YYYY-MM-DD). */
  estimated_ship_date?: string;
  shipments: ShipmentSummary[];
  created_at: string;
  updated_at: string;
}

/** The subset of an order shown in lists (dashboard rows, index entries). */
export type OrderSummary = Omit<Order, "lines" | "delivery_address">;

export function toSummary(order: Order): OrderSummary {
  const { lines: _l, delivery_address: _a, ...summary } = order;
  return summary;
}
