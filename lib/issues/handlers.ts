/**
 * HTTP handlers of the Report Issue feature; the route files under routes/ only point here.
 */
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import type { RouteContext } from "@/lib/framework/types.ts";
import { HttpError, notFound } from "@/lib/http/errors.ts";
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { adminOrg } from "@/lib/orders/api.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/store.ts";
import type { Access } from "@/lib/state.ts";
import { type ReportResult, submitReport } from "./report.ts";
import { getTicket, InvalidTicketCursorError, listTickets, type Ticket } from "./tickets.ts";

function requireAccess(ctx: RouteContext): Access {
  const access = ctx.state.access;
  // The token middleware sets this; without it the link was never checked.
  if (!access) throw new HttpError(401, "link_invalid", "This link is invalid or has expired.");
  return access;
}

/** Checks the order is this customer's (404 otherwise, never another customer's data). */
export async function reportForOrder(
  ctx: RouteContext,
  fields?: Map<string, string>,
): Promise<ReportResult> {
  const access = requireAccess(ctx);
  const orderNumber = ctx.params.order_id;
  const order = OrderNumber.safeParse(orderNumber).success
    ? await getOrder(ctx.services.kv, access.org.slug, access.customer.ref, orderNumber)
    : null;
  if (!order) {
    await ctx.req.body?.cancel().catch(() => {});
    throw notFound("No such order.");
  }
  return await submitReport(
    ctx.services,
    blobStoreFor(ctx.services),
    access,
    order.order_number,
    ctx.req,
    ctx.state.locale,
    fields,
  );
}

/** `POST /api/portal/customer/{token}/orders/{order_id}/report-issue` → 201 `{ticket_number}`. */
export async function reportIssueApi(ctx: RouteContext): Promise<Response> {
  const { ticket } = await reportForOrder(ctx);
  // 201 for a repeat too: the client asked for the same ticket and gets the same answer.
  return json({ ticket_number: ticket.ticket_number }, 201, { "cache-control": "no-store" });
}

/** What the admin API shows of a ticket: photos with their download URLs. */
export function ticketView(ticket: Ticket, baseUrl: string) {
  const { photos, ...rest } = ticket;
  const self = `${baseUrl}/api/admin/v1/tickets/${ticket.ticket_number}`;
  return {
    ...rest,
    photos: photos.map((p, i) => ({
      name: p.name,
      type: p.type,
      size: p.size,
      sha256: p.sha256,
      url: `${self}/photos/${i + 1}`,
    })),
  };
}

const ListQuery = pageQuery({ max: 100, default: 20 });

/** `GET /api/admin/v1/tickets?cursor=&limit=` newest first. */
export async function listTicketsApi(ctx: RouteContext): Promise<Response> {
  const org = adminOrg(ctx);
  const q = readQuery(ctx.url, ListQuery);
  try {
    const page = await listTickets(ctx.services.kv, org.slug, q);
    const base = ctx.services.config.publicBaseUrl;
    return json(
      { tickets: page.tickets.map((t) => ticketView(t, base)), next_cursor: page.next_cursor },
      200,
      { "cache-control": "no-store" },
    );
  } catch (err) {
    if (err instanceof InvalidTicketCursorError) {
      throw new HttpError(400, "bad_request", "The cursor is not valid.");
    }
    throw err;
  }
}

async function ticketOr404(ctx: RouteContext): Promise<Ticket> {
  const org = adminOrg(ctx);
  const ticket = await getTicket(ctx.services.kv, org.slug, ctx.params.ticket_number);
  if (!ticket) throw notFound("No such ticket.");
  return ticket;
}

/** `GET /api/admin/v1/tickets/{ticket_number}`. */
export async function getTicketApi(ctx: RouteContext): Promise<Response> {
  const ticket = await ticketOr404(ctx);
  return json(ticketView(ticket, ctx.services.config.publicBaseUrl), 200, {
    "cache-control": "no-store",
  });
}

/**
 * `GET /api/admin/v1/tickets/{ticket_number}/photos/{n}` (n from 1): the bytes as uploaded,
 * always as a download with a generated name, never rendered inline by the browser.
 */
export async function ticketPhotoApi(ctx: RouteContext): Promise<Response> {
  const ticket = await ticketOr404(ctx);
  const n = /^[1-9][0-9]?$/.test(ctx.params.n) ? Number(ctx.params.n) : 0;
  const photo = ticket.photos[n - 1];
  if (!photo) throw notFound("No such photo.");
  const blob = await blobStoreFor(ctx.services).get(photo.blob_id);
  if (!blob) throw notFound("No such photo.");
  const filename = `${ticket.ticket_number}-${photo.name}`;
  return new Response(ctx.req.method === "HEAD" ? null : blob.stream, {
    headers: {
      "content-type": photo.type,
      "content-length": String(blob.meta.size),
      "content-disposition": `attachment; filename="${filename}"`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
      "content-security-policy": "default-src 'none'; sandbox",
    },
  });
}
