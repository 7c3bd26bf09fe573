/**
 * One download: which bytes (the ERP's pushed PDF or a generated one), under what file name,
 * with what ETag. The ETag is computed from the inputs of generation, without generating,
 * so a repeat download is answered 304 for the price of a hash.
 */
import type { DocumentId, Order } from "@/lib/orders/model.ts";
import { DOCUMENT_IDS } from "@/lib/orders/model.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { Services } from "@/lib/services.ts";
import { readAllBytes } from "@/lib/streams.ts";
import { type DocumentInput, LAYOUT_VERSION, renderDocument } from "./pdf.ts";
import { getStoredDocuments, openStoredDocument, type StoredDocument } from "./stored.ts";
import { zipStream } from "./zip.ts";

export const DOWNLOAD_IDS = [...DOCUMENT_IDS, "all"] as const;
export type DownloadId = typeof DOWNLOAD_IDS[number];

export function isDownloadId(id: string): id is DownloadId {
  return (DOWNLOAD_IDS as readonly string[]).includes(id);
}

/** `ORD-008456-invoice.pdf`; only [A-Za-z0-9._-] so it is safe in any header or file system. */
export function downloadFileName(orderNumber: string, id: DownloadId): string {
  const safe = orderNumber.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "") || "order";
  return id === "all" ? `${safe}-documents.zip` : `${safe}-${id}.pdf`;
}

/** A stored file streams, a generated PDF is already bytes. */
export type DownloadBody = ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>;

export interface Download {
  etag: string;
  filename: string;
  contentType: "application/pdf" | "application/zip";
  /** Produces the body; called only when the client does not already have this ETag. */
  body(): Promise<DownloadBody>;
}

/**
 * Everything that can change a document's bytes goes into its ETag: the layout version, the
 * document, locale, the order's `updated_at`, what is printed of org and customer, and the
 * hash of any pushed file.
 */
export async function documentETag(
  input: DocumentInput,
  id: DownloadId,
  stored: Partial<Record<DocumentId, StoredDocument>>,
): Promise<string> {
  const { order, org, customer, locale } = input;
  const ids = id === "all" ? DOCUMENT_IDS : [id];
  const parts = [
    `layout:${LAYOUT_VERSION}`,
    `doc:${id}`,
    `locale:${locale}`,
    `org:${org.slug}|${org.name}|${org.support_email}|${org.support_phone}`,
    `customer:${customer.ref}|${customer.name}`,
    `order:${order.order_number}|${order.updated_at}`,
    ...ids.map((d) => `${d}:${stored[d]?.sha256 ?? "generated"}`),
  ];
  return `"${(await sha256Hex(JSON.stringify(parts))).slice(0, 40)}"`;
}

/** True when an If-None-Match header lists this ETag (weak comparison, as RFC 9110 says). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

/** Resolves a download for an order the caller has already checked belongs to the customer. */
export async function prepareDownload(
  services: Pick<Services, "kv" | "clock">,
  input: DocumentInput,
  id: DownloadId,
): Promise<Download> {
  const { order } = input;
  const stored = await getStoredDocuments(services.kv, order.org, order.order_number);
  const etag = await documentETag(input, id, stored);
  const one = async (doc: DocumentId): Promise<DownloadBody> => {
    const pushed = stored[doc];
    if (pushed) {
      const stream = await openStoredDocument(services, pushed);
      // A reference whose blob vanished (deleted concurrently): fall back to generating.
      if (stream) return stream;
    }
    return await renderDocument(doc, input) as Uint8Array<ArrayBuffer>;
  };
  if (id !== "all") {
    return {
      etag,
      filename: downloadFileName(order.order_number, id),
      contentType: "application/pdf",
      body: () => one(id),
    };
  }
  return {
    etag,
    filename: downloadFileName(order.order_number, "all"),
    contentType: "application/zip",
    body: () =>
      Promise.resolve(zipStream(
        DOCUMENT_IDS.map((doc) => ({
          name: downloadFileName(order.order_number, doc),
          data: one(doc).then((b) => b instanceof Uint8Array ? b : readAllBytes(b)),
        })),
        zipDate(order),
      )),
  };
}

function zipDate(order: Order): Date {
  return new Date(order.updated_at);
}
