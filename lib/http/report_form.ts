/**
 * What the Report Issue API and the no-JS form page share: the order must be this link's
 * customer's (404 otherwise, never another customer's data), then the request's multipart
 * body streams into `submitReport` (lib/issues).
 */
import type { Context } from "fresh";
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { readMultipart } from "@/lib/http/multipart.ts";
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
  const number = ctx.params.order_id;
  const order = OrderNumber.safeParse(number).success
    ? await getOrder(services.kv, access.org.slug, access.customer.ref, number)
    : null;
  const dropBody = () => ctx.req.body?.cancel().catch(() => {}) ?? Promise.resolve();
  if (!order) {
    await dropBody();
    throw new NotFoundError("No such order.");
  }
  return await submitReport(services, blobStoreFor(services), {
    access,
    orderNumber: order.order_number,
    locale,
    idempotencyKey: ctx.req.headers.get("idempotency-key") ?? undefined,
    form: (handlers) => readMultipart(ctx.req, REPORT_LIMITS, handlers),
    fields,
    skipForm: dropBody,
  });
}
