/**
 * PDFs the ERP pushed for an order (admin `PUT …/orders/{order_number}/documents/{doc_id}`).
 * When one exists it is served instead of the generated document.
 *
 * The bytes live in the blob store (lib/blobs: KV chunks, manifest committed last); this
 * module owns the small reference record that says which blob is the current file:
 *   ["order_document", org, order_number, doc_id] → StoredDocument
 * The reference and the blob's claim commit in one atomic op, so a blob is either referenced
 * or swept, and a replaced file's blob is deleted only after the new reference is committed.
 */
import { type BlobStore, BlobTooLargeError } from "@/lib/blobs/store.ts";
import { KvBlobStore } from "@/lib/blobs/kv_store.ts";
import { ConflictError, MalformedInputError, UnsupportedTypeError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { DOCUMENT_IDS, type DocumentId } from "@/lib/orders/model.ts";

/** The largest PDF the ERP may push. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

export interface StoredDocument {
  blob_id: string;
  size: number;
  sha256: string;
  uploaded_at: string;
}

const keys = {
  ref: (org: string, orderNumber: string, id: DocumentId): Deno.KvKey => [
    "order_document",
    org,
    orderNumber,
    id,
  ],
};

export function blobStore(services: Pick<Services, "kv" | "clock">): BlobStore {
  return new KvBlobStore(services.kv, () => services.clock.now());
}

/** Not a PDF by its first bytes (the declared type is never trusted). */
export class NotAPdfError extends UnsupportedTypeError {
  constructor() {
    super("The body is not a PDF (it must start with %PDF-).");
  }
}

/** A pushed file over MAX_UPLOAD_BYTES, refused while it was streaming in. */
export class DocumentTooLargeError extends BlobTooLargeError {
  constructor() {
    super(MAX_UPLOAD_BYTES);
    this.message = `Documents are limited to ${MAX_UPLOAD_BYTES} bytes (10 MB).`;
  }
}
export { BlobTooLargeError };

/** The ERP's files for these documents of one order; missing ones are absent. */
export async function getStoredDocuments(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  ids: readonly DocumentId[] = DOCUMENT_IDS,
): Promise<Partial<Record<DocumentId, StoredDocument>>> {
  const entries = await kv.getMany<StoredDocument[]>(
    ids.map((id) => keys.ref(org, orderNumber, id)),
  );
  const out: Partial<Record<DocumentId, StoredDocument>> = {};
  entries.forEach((e, i) => {
    if (e.value) out[ids[i]] = e.value;
  });
  return out;
}

/** The stored file's bytes as a stream, or null when it vanished meanwhile. */
export async function openStoredDocument(
  services: Pick<Services, "kv" | "clock">,
  doc: StoredDocument,
): Promise<ReadableStream<Uint8Array> | null> {
  const found = await blobStore(services).get(doc.blob_id);
  return found ? found.stream : null;
}

/** The client stopped sending or the connection broke: a 400, not a 500. */
export class BodyReadError extends MalformedInputError {
  constructor() {
    super("The request body could not be read.");
  }
}

/**
 * Passes the body through, failing with NotAPdfError as soon as the first five bytes are not
 * "%PDF-", and turning a broken connection into BodyReadError.
 */
async function* checkedPdf(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const head: number[] = [];
  const it = body[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch {
        done = true;
        throw new BodyReadError();
      }
      if (next.done) {
        done = true;
        break;
      }
      const chunk = next.value;
      if (head.length < PDF_MAGIC.length) {
        for (let i = 0; i < chunk.length && head.length < PDF_MAGIC.length; i++) {
          head.push(chunk[i]);
        }
        if (head.length === PDF_MAGIC.length && !PDF_MAGIC.every((b, i) => head[i] === b)) {
          throw new NotAPdfError();
        }
      }
      yield chunk;
    }
  } finally {
    // Stop reading a body we reject (too large, not a PDF): release the stream.
    if (!done) await it.return?.().catch(() => {});
  }
  if (head.length < PDF_MAGIC.length) throw new NotAPdfError();
}

/**
 * Stores a pushed PDF and makes it the order's `id` document. The size limit and the
 * magic bytes are checked while the body streams in (NotAPdfError, DocumentTooLargeError,
 * BodyReadError).
 * Returns the record and whether it replaced an earlier file.
 */
export async function putStoredDocument(
  services: Pick<Services, "kv" | "clock">,
  org: string,
  orderNumber: string,
  id: DocumentId,
  body: AsyncIterable<Uint8Array>,
): Promise<{ doc: StoredDocument; replaced: boolean }> {
  const store = blobStore(services);
  const meta = await store.put(checkedPdf(body), {
    contentType: "application/pdf",
    maxBytes: MAX_UPLOAD_BYTES,
  }).catch((err) => {
    throw err instanceof BlobTooLargeError ? new DocumentTooLargeError() : err;
  });
  const doc: StoredDocument = {
    blob_id: meta.id,
    size: meta.size,
    sha256: meta.sha256,
    uploaded_at: services.clock.now().toISOString(),
  };
  const key = keys.ref(org, orderNumber, id);
  // Compare-and-swap so two concurrent pushes cannot both think they replaced the same file
  // (which would leak one blob): the loser re-reads and replaces the winner's.
  for (let attempt = 0; attempt < 5; attempt++) {
    const prev = await services.kv.get<StoredDocument>(key);
    const op = services.kv.atomic().check(prev).set(key, doc);
    await store.claim([meta.id], op);
    const res = await op.commit();
    if (res.ok) {
      if (prev.value) await store.delete(prev.value.blob_id);
      return { doc, replaced: prev.value !== null };
    }
  }
  await store.delete(meta.id);
  throw new ConflictError("The document is being replaced concurrently; retry.");
}

/** Removes a pushed file, so the generated document is served again. False when none. */
export async function deleteStoredDocument(
  services: Pick<Services, "kv" | "clock">,
  org: string,
  orderNumber: string,
  id: DocumentId,
): Promise<boolean> {
  const key = keys.ref(org, orderNumber, id);
  const prev = await services.kv.get<StoredDocument>(key);
  if (!prev.value) return false;
  const res = await services.kv.atomic().check(prev).delete(key).commit();
  if (!res.ok) return deleteStoredDocument(services, org, orderNumber, id);
  await blobStore(services).delete(prev.value.blob_id);
  return true;
}
