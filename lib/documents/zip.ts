/**
 * "Download All Documents": the PDFs in one ZIP, made by jszip. Deterministic like the PDFs:
 * entry dates are the given date (the order's `updated_at`), entries in the given order, no
 * comments, and STORE (no compression), because the PDFs' streams are already deflated and
 * compressing again costs CPU for nothing. Built whole (in a document worker), since the
 * result is cached.
 */
import JSZip from "jszip";

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export async function zipBytes(entries: ZipEntry[], date: Date): Promise<Uint8Array> {
  const zip = new JSZip();
  const when = Number.isNaN(date.getTime()) ? new Date(Date.UTC(1980, 0, 1)) : date;
  for (const e of entries) {
    zip.file(e.name, e.data, { binary: true, date: when, createFolders: false });
  }
  return await zip.generateAsync({
    type: "uint8array",
    compression: "STORE",
    platform: "DOS",
    streamFiles: false,
  });
}
