/**
 * "Download All Documents": the PDFs in one ZIP, made by jszip and streamed out as it is
 * produced. Deterministic like the PDFs: entry dates are the given date (the order's
 * `updated_at`), entries in the given order, no comments, and STORE (no compression),
 * because the PDFs' streams are already deflated and compressing again costs CPU for nothing.
 */
import JSZip from "jszip";
import { readAllBytes } from "@/lib/streams.ts";

export interface ZipEntry {
  name: string;
  data: Uint8Array | Promise<Uint8Array>;
}

/** A ReadableStream of the ZIP file; the archive is generated as the client reads. */
export function zipStream(entries: ZipEntry[], date: Date): ReadableStream<Uint8Array> {
  const zip = new JSZip();
  const when = Number.isNaN(date.getTime()) ? new Date(Date.UTC(1980, 0, 1)) : date;
  for (const e of entries) {
    zip.file(e.name, e.data, { binary: true, date: when, createFolders: false });
  }
  const helper = zip.generateInternalStream({
    type: "uint8array",
    compression: "STORE",
    platform: "DOS",
    streamFiles: false,
  });
  let paused = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      helper
        .on("data", (chunk: Uint8Array) => {
          controller.enqueue(chunk);
          // Back-pressure: stop producing while the client is not reading.
          if ((controller.desiredSize ?? 1) <= 0 && !paused) {
            paused = true;
            helper.pause();
          }
        })
        .on("error", (err: Error) => controller.error(err))
        .on("end", () => controller.close());
    },
    pull() {
      if (paused) {
        paused = false;
        helper.resume();
      }
    },
    cancel() {
      helper.pause();
    },
  }, { highWaterMark: 4 });
}

/** The whole ZIP in memory (tests, small callers). */
export async function zipBytes(entries: ZipEntry[], date: Date): Promise<Uint8Array> {
  return await readAllBytes(zipStream(entries, date));
}
