/**
 * `GET /api/portal/customer/{token}/orders/{order_id}/documents/{doc_id}`: one PDF, or `all`
 * as a ZIP, with an ETag (a matching `If-None-Match` is a 304). The link middleware has
 * already checked the link and the rate limit. A full generation queue or a failed generation
 * throws an UnavailableError: the error path answers 503 with Retry-After.
 */
import { NotFoundError } from "@/lib/errors.ts";
import { etagMatches, isDownloadId, prepareDownload } from "@/lib/documents/download.ts";
import { streamBytes } from "@/lib/http/body.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrderSummary } from "@/lib/orders/orders.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const docId = ctx.params.doc_id;
    if (!isDownloadId(docId)) throw new NotFoundError("No such document.");
    // A malformed order number cannot name an order: same 404 as an unknown one. Scoped by
    // org and customer: another customer's order number is simply not found. The summary is
    // enough for the ETag and a cached file; the lines are read only if something is drawn.
    const number = ctx.params.order_id;
    const order = OrderNumber.safeParse(number).success
      ? await getOrderSummary(services.kv, access.org.slug, access.customer.ref, number)
      : null;
    if (!order) throw new NotFoundError("No such order.");

    const download = await prepareDownload(services, {
      order,
      org: access.org,
      customer: access.customer,
      locale: ctx.state.locale,
    }, docId);

    const headers = new Headers({
      "cache-control": "private, no-store",
      etag: download.etag,
      vary: "Accept-Language, Cookie",
    });
    if (etagMatches(ctx.req.headers.get("if-none-match"), download.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-type", download.contentType);
    headers.set("content-disposition", `attachment; filename="${download.filename}"`);
    headers.set("x-content-type-options", "nosniff");
    if (ctx.req.method === "HEAD") return new Response(null, { status: 200, headers });
    const body = await download.body();
    if (!(body instanceof Uint8Array)) return new Response(body, { status: 200, headers });
    headers.set("content-length", String(body.byteLength));
    return new Response(streamBytes(body), { status: 200, headers });
  },
});
