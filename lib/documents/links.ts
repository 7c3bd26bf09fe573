/**
 * The Documents section's links, for the order detail page and the order JSON API. Plain
 * URLs to the download route, so [Download] works without JavaScript (`<a href download>`).
 */
import { documentIdsFor, type OrderStatus } from "@/lib/orders/model.ts";
import type { DownloadId } from "./download.ts";
import { downloadFileName } from "./download.ts";
import type { DocumentMessageKey } from "./messages.ts";

export interface DocumentLink {
  id: DownloadId;
  /** Key in lib/documents/messages.ts; `link.invoice` takes `{invoice}` (the invoice number). */
  labelKey: DocumentMessageKey;
  href: string;
  /** Values for the label's placeholders (`{invoice}` for the invoice). */
  labelParams: Record<string, string>;
  /** The name the browser saves the file as (also sent in Content-Disposition). */
  filename: string;
}

/**
 * `documentLinks(token, "ORD-008456", "INV-2026-00456")` → the three documents, then `all`
 * (the ZIP, for [Download All Documents]). The token is path-encoded, never logged. A
 * cancelled order has no packing slip (nothing will be packed).
 */
export function documentLinks(
  token: string,
  orderNumber: string,
  invoiceNumber?: string,
  status?: OrderStatus,
): DocumentLink[] {
  const base = `/api/portal/customer/${encodeURIComponent(token)}/orders/${
    encodeURIComponent(orderNumber)
  }/documents/`;
  return [...documentIdsFor({ status }), "all" as const].map((id): DocumentLink => ({
    id,
    labelKey: `link.${id}` as DocumentMessageKey,
    labelParams: id === "invoice" && invoiceNumber
      ? { invoice: invoiceNumber }
      : {} as Record<string, string>,
    href: base + id,
    filename: downloadFileName(orderNumber, id),
  }));
}
