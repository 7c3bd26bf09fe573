/**
 * One unit of document work, the same in a Web Worker (worker.ts) and in the main thread (the
 * fallback where workers are unavailable): plain data in, bytes out, so it can cross
 * `postMessage` and give the same bytes either way.
 */
import { type DocumentId, documentIdsFor, type Order } from "@/lib/orders/model.ts";
import { type DocumentInput, renderDocument } from "./pdf.ts";
import { zipBytes } from "./zip.ts";

export type RenderJob =
  | { kind: "pdf"; id: DocumentId; input: DocumentInput }
  | {
    kind: "zip";
    input: DocumentInput;
    /** File name of each entry, in the ZIP's order. */
    names: Record<DocumentId, string>;
    /** Entries that need no drawing: the ERP's pushed files and already cached PDFs. */
    have: Partial<Record<DocumentId, Uint8Array>>;
  };

export interface RenderResult {
  bytes: Uint8Array;
  /** PDFs drawn for a ZIP, so the caller can keep them for single downloads too. */
  rendered: Partial<Record<DocumentId, Uint8Array>>;
}

export async function runRenderJob(job: RenderJob): Promise<RenderResult> {
  if (job.kind === "pdf") return { bytes: await renderDocument(job.id, job.input), rendered: {} };
  const rendered: Partial<Record<DocumentId, Uint8Array>> = {};
  const entries = [];
  for (const id of documentIdsFor(job.input.order)) {
    let data = job.have[id];
    if (!data) data = rendered[id] = await renderDocument(id, job.input);
    entries.push({ name: job.names[id], data });
  }
  return { bytes: await zipBytes(entries, zipDate(job.input.order)), rendered };
}

/** The ZIP's entry dates: the order's last change, like the PDFs' metadata. */
export function zipDate(order: Order): Date {
  return new Date(order.updated_at);
}
