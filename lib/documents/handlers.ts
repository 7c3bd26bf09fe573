/**
 * The HTTP side of documents: the customer's download and the ERP's upload. The route files
 * under routes/api/ only point here.
 */
import { HttpError, notFound } from "@/lib/http/errors.ts";
import { json } from "@/lib/http/json.ts";
import { streamBytes } from "@/lib/http/body.ts";
import type { RouteContext } from "@/lib/framework/types.ts";
import { DOCUMENT_IDS, type DocumentId, type Org } from "@/lib/orders/model.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrderSummary } from "@/lib/orders/store.ts";
import { etagMatches, isDownloadId, prepareDownload } from "./download.ts";
import { DocumentGenerationError, DocumentsBusyError } from "./pool.ts";
import {
  BlobTooLargeError,
  BodyReadError,
  deleteStoredDocument,
  getStoredDocuments,
  MAX_UPLOAD_BYTES,
  NotAPdfError,
  openStoredDocument,
  putStoredDocument,
  type StoredDocument,
} from "./stored.ts";

function orderNumberParam(raw: string | undefined): string {
  const parsed = OrderNumber.safeParse(raw ?? "");
  // A malformed order number cannot name an order: same 404 as an unknown one.
  if (!parsed.success) throw notFound("No such order.");
  return parsed.data;
}

/**
 * `GET /api/portal/customer/{token}/orders/{order_id}/documents/{doc_id}`: one PDF or the ZIP.
 * The token middleware has already checked the link and the rate limit (ctx.state.access).
 */
export async function downloadDocument(ctx: RouteContext): Promise<Response> {
  const access = ctx.state.access;
  if (!access) throw new HttpError(401, "link_invalid", "This link is invalid or has expired.");
  const docId = ctx.params.doc_id ?? "";
  if (!isDownloadId(docId)) throw notFound("No such document.");
  const orderNumber = orderNumberParam(ctx.params.order_id);
  // Scoped by org and customer: another customer's order number is simply not found.
  const order = await getOrderSummary(
    ctx.services.kv,
    access.org.slug,
    access.customer.ref,
    orderNumber,
  );
  if (!order) throw notFound("No such order.");

  const download = await prepareDownload(ctx.services, {
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
  const body = await download.body().catch((err) => {
    throw unavailable(err);
  });
  if (!(body instanceof Uint8Array)) return new Response(body, { status: 200, headers });
  headers.set("content-length", String(body.byteLength));
  return new Response(streamBytes(body), { status: 200, headers });
}

/** A full generation queue or a failed generation: 503 with Retry-After, in the one error shape. */
function unavailable(err: unknown): unknown {
  if (err instanceof DocumentsBusyError) {
    return new HttpError(503, "service_unavailable", err.message, undefined, {
      "retry-after": String(err.retryAfterSeconds),
    });
  }
  if (err instanceof DocumentGenerationError) {
    return new HttpError(
      503,
      "service_unavailable",
      "The document could not be prepared just now; try again shortly.",
      undefined,
      { "retry-after": "5" },
    );
  }
  return err;
}

function adminOrg(ctx: RouteContext): Org {
  const org = ctx.state.adminOrg;
  if (!org) throw new HttpError(401, "unauthorized", "Send an org API key as a Bearer token.");
  return org;
}

function storedDocId(raw: string | undefined): DocumentId {
  if (!(DOCUMENT_IDS as readonly string[]).includes(raw ?? "")) {
    throw notFound(`No such document; use one of ${DOCUMENT_IDS.join(", ")}.`);
  }
  return raw as DocumentId;
}

function describe(orderNumber: string, docId: DocumentId, doc: StoredDocument) {
  return {
    order_number: orderNumber,
    doc_id: docId,
    size: doc.size,
    sha256: doc.sha256,
    uploaded_at: doc.uploaded_at,
  };
}

/** `PUT /api/admin/v1/orders/{order_number}/documents/{doc_id}`: the ERP pushes its PDF. */
export async function uploadDocument(ctx: RouteContext): Promise<Response> {
  const org = adminOrg(ctx);
  const orderNumber = orderNumberParam(ctx.params.order_number);
  const docId = storedDocId(ctx.params.doc_id);
  const type = (ctx.req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/pdf") {
    throw new HttpError(415, "unsupported_media_type", "Send the file as application/pdf.");
  }
  const tooLarge = () =>
    new HttpError(
      413,
      "payload_too_large",
      `Documents are limited to ${MAX_UPLOAD_BYTES} bytes (10 MB).`,
    );
  // A declared size over the limit is refused before reading; the real size is counted too.
  if (Number(ctx.req.headers.get("content-length") ?? "0") > MAX_UPLOAD_BYTES) throw tooLarge();
  const body = ctx.req.body;
  if (!body) throw new HttpError(415, "unsupported_media_type", "The body is not a PDF.");
  try {
    const { doc, replaced } = await putStoredDocument(
      ctx.services,
      org.slug,
      orderNumber,
      docId,
      body,
    );
    return json(describe(orderNumber, docId, doc), replaced ? 200 : 201);
  } catch (err) {
    if (err instanceof BlobTooLargeError) throw tooLarge();
    if (err instanceof NotAPdfError) {
      throw new HttpError(415, "unsupported_media_type", err.message);
    }
    if (err instanceof BodyReadError) throw new HttpError(400, "bad_request", err.message);
    throw err;
  }
}

/** `GET …/documents/{doc_id}` (admin): the pushed file back, to verify an upload. */
export async function getUploadedDocument(ctx: RouteContext): Promise<Response> {
  const org = adminOrg(ctx);
  const orderNumber = orderNumberParam(ctx.params.order_number);
  const docId = storedDocId(ctx.params.doc_id);
  const doc = (await getStoredDocuments(ctx.services.kv, org.slug, orderNumber, [docId]))[docId];
  const stream = doc ? await openStoredDocument(ctx.services, doc) : null;
  if (!doc || !stream) throw notFound("No document was pushed for this order.");
  return new Response(stream, {
    headers: {
      "content-type": "application/pdf",
      "content-length": String(doc.size),
      "content-disposition": `attachment; filename="${orderNumber}-${docId}.pdf"`,
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      etag: `"${doc.sha256}"`,
    },
  });
}

/** `DELETE …/documents/{doc_id}` (admin): back to the generated document. */
export async function deleteUploadedDocument(ctx: RouteContext): Promise<Response> {
  const org = adminOrg(ctx);
  const orderNumber = orderNumberParam(ctx.params.order_number);
  const docId = storedDocId(ctx.params.doc_id);
  if (!await deleteStoredDocument(ctx.services, org.slug, orderNumber, docId)) {
    throw notFound("No document was pushed for this order.");
  }
  return new Response(null, { status: 204 });
}
