/**
 * What the order API routes share: who is asking (admin org or link access), turning store
 * errors into the one HTTP error shape, and the JSON views of orders and shipments the
 * public API answers with.
 */
import type { z } from "zod";
import { ZodError } from "zod";
import { fieldsFromZod, HttpError, notFound } from "@/lib/http/errors.ts";
import type { RouteContext } from "@/lib/framework/types.ts";
import type { Access } from "@/lib/state.ts";
import { CARRIER_NAMES, trackingUrl } from "./carrier_links.ts";
import type { Customer, DocumentId, Order, OrderSummary, Org, Shipment } from "./model.ts";
import { DOCUMENT_IDS } from "./model.ts";
import {
  ConflictError,
  InvalidCursorError,
  LimitError,
  OrderNotFoundError,
  ShipmentNotFoundError,
  UnknownCustomerError,
} from "./store.ts";

/** The org of the Bearer API key (set by the admin middleware); 401 if it is missing. */
export function adminOrg(ctx: RouteContext): Org {
  const org = ctx.state.adminOrg;
  if (!org) throw new HttpError(401, "unauthorized", "Send an org API key as a Bearer token.");
  return org;
}

/** The link's org and customer (set by the token middleware); 401 if it is missing. */
export function linkAccess(ctx: RouteContext): Access {
  const access = ctx.state.access;
  if (!access) {
    throw new HttpError(
      401,
      "link_invalid",
      "This customer portal link is invalid or has expired.",
    );
  }
  return access;
}

/** Validates one path parameter; a bad one is a 422 naming it. */
export function pathParam<T extends z.ZodType>(
  ctx: RouteContext,
  name: string,
  schema: T,
): z.infer<T> {
  const parsed = schema.safeParse(ctx.params[name]);
  if (!parsed.success) {
    throw new HttpError(422, "validation_failed", "Some fields are invalid.", {
      [name]: parsed.error.issues.map((i) => i.message),
    });
  }
  return parsed.data;
}

/** Maps the store's errors onto HTTP errors; anything else is rethrown (a real 500). */
export function storeErrorToHttp(err: unknown): never {
  if (err instanceof HttpError) throw err;
  if (err instanceof UnknownCustomerError) {
    throw new HttpError(422, "validation_failed", "Some fields are invalid.", {
      customer_ref: [err.message],
    });
  }
  if (err instanceof OrderNotFoundError || err instanceof ShipmentNotFoundError) {
    throw notFound(err.message);
  }
  if (err instanceof LimitError) {
    throw new HttpError(422, "validation_failed", err.message, { _: [err.message] });
  }
  if (err instanceof InvalidCursorError) {
    throw new HttpError(400, "bad_request", err.message, { cursor: [err.message] });
  }
  if (err instanceof ConflictError) throw new HttpError(409, "conflict", err.message);
  if (err instanceof ZodError) {
    throw new HttpError(
      422,
      "validation_failed",
      "Some fields are invalid.",
      fieldsFromZod(err.issues),
    );
  }
  throw err;
}

/** Token answers must not be cached or indexed (capability URLs). */
export const PRIVATE_HEADERS = {
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
} as const;

// ---------------------------------------------------------------------------------------
// Public JSON views: internal fields (org slug, timestamps of our own writes) stay inside.

export function customerView(c: Customer) {
  return {
    ref: c.ref,
    name: c.name,
    locale: c.locale,
    last_visit_at: c.last_visit_at ?? null,
  };
}

export function orderSummaryView(o: OrderSummary) {
  const { org: _org, created_at: _c, ...rest } = o;
  return { ...rest, shipping: o.shipping ?? null };
}

export function shipmentView(s: Shipment) {
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
    overdue: s.overdue ?? false,
    events: s.events.map((e) => ({
      status: e.status,
      occurred_at: e.occurred_at,
      description: e.description,
      location: e.location ?? null,
    })),
    last_refreshed_at: s.last_refreshed_at ?? null,
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
) {
  const { org: _org, created_at: _c, lines, ...rest } = o;
  return {
    ...rest,
    shipping: o.shipping ?? null,
    lines: lines.map((l) => ({ ...l, uom: l.uom ?? null })),
    shipments: shipments.map(shipmentView),
    documents,
  };
}
