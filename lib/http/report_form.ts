/**
 * What the Report Issue API and the no-JS form page share: a cross-site browser post is
 * refused (403) exactly as `/notifications` refuses one (lib/http/origin.ts), so no other site
 * can make a visitor's browser file reports or mail confirmations; the order must be this
 * link's customer's (404 otherwise, never another customer's data); then the request's
 * multipart body streams into `submitReport` (lib/issues).
 */
import type { Context } from "fresh";
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { ForbiddenError, NotFoundError } from "@/lib/errors.ts";
import { readMultipart } from "@/lib/http/multipart.ts";
import { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";
import { issueMessages } from "@/lib/issues/messages.ts";
import { REPORT_LIMITS, type ReportResult, submitReport } from "@/lib/issues/report.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/orders.ts";
import type { LinkState } from "@/lib/state.ts";

export async function submitReportFromRequest(
  ctx: Context<LinkState>,
  /** Receives the text fields as read, so a form page can show them again after an error. */
  fields?: Map<string, string>,
): Promise<ReportResult> {
  const { access, services, locale } = ctx.state;
  const dropBody = () => ctx.req.body?.cancel().catch(() => {}) ?? Promise.resolve();
  if (isCrossSite(ctx.req, ownOrigins(ctx.url, services.config.publicBaseUrl))) {
    await dropBody();
    throw new ForbiddenError(issueMessages.t(locale, "err_cross_site"));
  }
  const number = ctx.params.order_id;
  const order = OrderNumber.safeParse(number).success
    ? await getOrder(services.kv, access.org.slug, access.customer.ref, number)
    : null;
  if (!order) {
    await dropBody();
    throw new NotFoundError("No such order.");
  }
  return await submitReport(services, blobStoreFor(services), {
    access,
    orderNumber: order.order_number,
    locale,
    idempotencyKey: ctx.req.headers.get("idempotency-key") ?? undefined,
    contentLength: declaredLength(ctx.req),
    form: (handlers) => readMultipart(ctx.req, REPORT_LIMITS, handlers),
    fields,
    skipForm: dropBody,
  });
}

/** The body's Content-Length when it is a plain number (chunked bodies have none). */
function declaredLength(req: Request): number | undefined {
  const value = req.headers.get("content-length");
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
