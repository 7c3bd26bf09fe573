/**
 * The JSON the APIs answer with: public views of customers, orders, shipments, documents and
 * tickets. Internal fields (org slug, timestamps of our own writes, blob ids) stay inside.
 */
import { CARRIER_NAMES, trackingUrl } from "@/lib/orders/carrier_links.ts";
import type { Customer, DocumentId, Order, OrderSummary, Shipment } from "@/lib/orders/model.ts";
import { DOCUMENT_IDS } from "@/lib/orders/model.ts";
import { isShipmentLate } from "@/lib/orders/running_late.ts";
import type { Ticket } from "@/lib/issues/tickets.ts";
import { eventTimes } from "@/lib/tracking/event_times.ts";

/** Token answers must not be cached or indexed (capability URLs). */
export const PRIVATE_HEADERS = {
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
} as const;
export function customerView(c: Customer) {
  return {
    ref: c.ref,
    name: c.name,
    locale: c.locale,
    last_visit_at: c.last_visit_at ?? null,
  };
}

/** An order in the list API; each shipment's `overdue` is "running late" at `now`. */
export function orderSummaryView(o: OrderSummary, now: Date) {
  const { org: _org, created_at: _c, ...rest } = o;
  return {
    ...rest,
    shipping: o.shipping ?? null,
    shipments: o.shipments.map((s) => ({ ...s, overdue: isShipmentLate(s, now, o) })),
  };
}

/**
 * A shipment in the tracking and order APIs. Beyond the contract's fields: each event's
 * instant and local time with offset (`eventTimes`), `awaiting_carrier` (no carrier answer
 * or manual update yet: `last_refreshed_at` is null) and `awaiting_first_scan` (the carrier
 * knows no scan of the label yet). `overdue` is whether it is running late at `now`
 * (lib/orders/running_late.ts: the pages' "Running late"; the poller's flag is one input).
 */
export function shipmentView(s: Shipment, order: { status: string }, now: Date) {
  return {
    carrier: s.carrier,
    carrier_name: s.carrier_name ?? CARRIER_NAMES[s.carrier],
    tracking_number: s.tracking_number,
    tracking_url: trackingUrl(s.carrier, s.tracking_number),
    service: s.service ?? null,
    shipped_at: s.shipped_at,
    status: s.status,
    estimated_delivery: s.estimated_delivery ?? null,
    estimated_window: s.estimated_window ?? null,
    overdue: isShipmentLate(s, now, order),
    events: s.events.map((e) => ({
      status: e.status,
      occurred_at: e.occurred_at,
      description: e.description,
      location: e.location ?? null,
      ...eventTimes(e),
    })),
    last_refreshed_at: s.last_refreshed_at ?? null,
    awaiting_carrier: !s.last_refreshed_at,
    awaiting_first_scan: s.awaiting_first_scan ?? false,
    delivery: s.delivery ?? null,
  };
}

const DOCUMENT_NAMES: Record<DocumentId, (o: Order) => string> = {
  "order-confirmation": () => "Order Confirmation (PDF)",
  "packing-slip": () => "Packing Slip (PDF)",
  invoice: (o) => `Invoice #${o.invoice_number} (PDF)`,
};

/** The order's documents with their download URLs under this link. */
export function documentsView(baseUrl: string, token: string, o: Order) {
  const base = `${baseUrl}/api/portal/customer/${encodeURIComponent(token)}/orders/${
    encodeURIComponent(o.order_number)
  }/documents/`;
  return [
    ...DOCUMENT_IDS.map((id) => ({ id, name: DOCUMENT_NAMES[id](o), url: base + id })),
    { id: "all", name: "All documents (ZIP)", url: base + "all" },
  ];
}

export function orderDetailView(
  o: Order,
  shipments: Shipment[],
  documents: ReturnType<typeof documentsView>,
  now: Date,
) {
  const { org: _org, created_at: _c, lines, ...rest } = o;
  return {
    ...rest,
    shipping: o.shipping ?? null,
    lines: lines.map((l) => ({ ...l, uom: l.uom ?? null })),
    shipments: shipments.map((s) => shipmentView(s, o, now)),
    documents,
  };
}

/**
 * What the admin API shows of a ticket: its workflow status (lib/issues/workflow.ts; the
 * stored ticket always says "open") and photos with their download URLs.
 */
export function ticketView(ticket: Ticket, baseUrl: string, status: string = ticket.status) {
  const { photos, ...rest } = ticket;
  const self = `${baseUrl}/api/admin/v1/tickets/${ticket.ticket_number}`;
  return {
    ...rest,
    status,
    photos: photos.map((p, i) => ({
      name: p.name,
      type: p.type,
      size: p.size,
      sha256: p.sha256,
      url: `${self}/photos/${i + 1}`,
    })),
  };
}
