/**
 * The ERP's own PDF for an order document, served to customers instead of the generated one:
 * `PUT` pushes it (≤ 10 MB, must start with `%PDF-`, checked while it streams in), `GET`
 * returns it to verify an upload, `DELETE` goes back to the generated document.
 */
import { NotFoundError, UnsupportedTypeError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { DOCUMENT_IDS, type DocumentId } from "@/lib/orders/model.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import {
  deleteStoredDocument,
  DocumentTooLargeError,
  getStoredDocuments,
  MAX_UPLOAD_BYTES,
  openStoredDocument,
  putStoredDocument,
  type StoredDocument,
} from "@/lib/documents/stored.ts";
import { adminDefine } from "@/lib/state.ts";

function orderNumberParam(raw: string | undefined): string {
  const parsed = OrderNumber.safeParse(raw ?? "");
  // A malformed order number cannot name an order: same 404 as an unknown one.
  if (!parsed.success) throw new NotFoundError("No such order.");
  return parsed.data;
}

function storedDocId(raw: string | undefined): DocumentId {
  if (!(DOCUMENT_IDS as readonly string[]).includes(raw ?? "")) {
    throw new NotFoundError(`No such document; use one of ${DOCUMENT_IDS.join(", ")}.`);
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

export const handler = adminDefine.handlers({
  async PUT(ctx) {
    const orderNumber = orderNumberParam(ctx.params.order_number);
    const docId = storedDocId(ctx.params.doc_id);
    const type = (ctx.req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/pdf") {
      throw new UnsupportedTypeError("Send the file as application/pdf.");
    }
    // A declared size over the limit is refused before reading; the real size is counted too.
    if (Number(ctx.req.headers.get("content-length") ?? "0") > MAX_UPLOAD_BYTES) {
      throw new DocumentTooLargeError();
    }
    const body = ctx.req.body;
    if (!body) throw new UnsupportedTypeError("The body is not a PDF.");
    const { doc, replaced } = await putStoredDocument(
      ctx.state.services,
      ctx.state.adminOrg.slug,
      orderNumber,
      docId,
      body,
    );
    return json(describe(orderNumber, docId, doc), replaced ? 200 : 201);
  },

  async GET(ctx) {
    const orderNumber = orderNumberParam(ctx.params.order_number);
    const docId = storedDocId(ctx.params.doc_id);
    const { services, adminOrg } = ctx.state;
    const doc = (await getStoredDocuments(services.kv, adminOrg.slug, orderNumber, [docId]))[docId];
    const stream = doc ? await openStoredDocument(services, doc) : null;
    if (!doc || !stream) throw new NotFoundError("No document was pushed for this order.");
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
  },

  async DELETE(ctx) {
    const orderNumber = orderNumberParam(ctx.params.order_number);
    const docId = storedDocId(ctx.params.doc_id);
    const { services, adminOrg } = ctx.state;
    if (!await deleteStoredDocument(services, adminOrg.slug, orderNumber, docId)) {
      throw new NotFoundError("No document was pushed for this order.");
    }
    return new Response(null, { status: 204 });
  },
});
