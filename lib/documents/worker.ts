/**
 * A document worker (started by pool.ts): draws PDFs and ZIPs off the main thread. The fonts
 * are read and parsed once, when the worker starts; the result's buffer is transferred, not
 * copied. It needs no permission beyond reading its modules and the fonts.
 */
import type { DocumentId } from "@/lib/orders/model.ts";
import { loadFonts } from "./fonts.ts";
import { type RenderJob, runRenderJob } from "./render.ts";

export interface WorkerRequest {
  seq: number;
  job: RenderJob;
}

export type WorkerReply =
  /** Sent once, when the modules and fonts are loaded: jobs are timed from here on. */
  | { ready: true }
  | {
    seq: number;
    ok: true;
    bytes: Uint8Array;
    rendered: Partial<Record<DocumentId, Uint8Array>>;
  }
  | { seq: number; ok: false; message: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

// Fonts are read and parsed before the first job; a failure is retried, and reported, by a job.
loadFonts().catch(() => {}).finally(() => scope.postMessage({ ready: true }));

scope.onmessage = async ({ data: { seq, job } }) => {
  try {
    await loadFonts();
    const { bytes, rendered } = await runRenderJob(job);
    const transfer = [bytes, ...Object.values(rendered)].map((b) => b.buffer as ArrayBuffer);
    scope.postMessage({ seq, ok: true, bytes, rendered }, [...new Set(transfer)]);
  } catch (err) {
    scope.postMessage({
      seq,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
    });
  }
};
