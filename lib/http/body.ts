/**
 * Request and response bodies.
 *
 * Reading request bodies, the one way: every body the portal reads is cut with a 408
 * (`RequestTimeoutError`) when the client sends nothing for `REQUEST_BODY_IDLE_SECONDS`
 * (default 30) or is still sending `REQUEST_BODY_TIMEOUT_SECONDS` (default 600) after the
 * request began.
 *
 * `bodyTimeouts()` wraps each incoming body once, at the edge, so every reader is covered
 * (multipart uploads, JSON, forms, pushed PDFs). The idle clock runs only while a reader is
 * waiting for the client, never while the portal itself is busy with what it read (writing
 * a photo chunk to KV). A cut body errors its reader, so a multipart upload stops where it
 * is and `submitReport` removes what it had stored: nothing of a stalled request is kept.
 *
 * `readBodyBytes` is the bounded reader for small bodies (JSON, forms): the size limit is
 * counted as bytes arrive, so an oversized body is refused without being buffered.
 */
import type { MiddlewareHandler } from "hono";
import { MalformedInputError, RequestTimeoutError } from "@/lib/errors.ts";

export interface BodyTimeouts {
  idleMs: number;
  totalMs: number;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** `source` as a stream that errors with RequestTimeoutError when the client stalls. */
export function guardBody(
  source: ReadableStream<Uint8Array>,
  limits: BodyTimeouts,
  startedAt = Date.now(),
): ReadableStream<Uint8Array> {
  // Locked only once someone reads: a body the portal never reads (a request refused before
  // its body, say) stays the server's to drain, as without this guard.
  let locked: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const reader = () => (locked ??= source.getReader());
  const deadline = startedAt + limits.totalMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cut = (controller: ReadableStreamDefaultController<Uint8Array>, message: string) => {
    controller.error(new RequestTimeoutError(message));
    reader().cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const left = deadline - Date.now();
      const total = `The request body took longer than ${seconds(limits.totalMs)} to arrive.`;
      if (left <= 0) return cut(controller, total);
      const wait = Math.min(limits.idleMs, left);
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), wait);
      });
      try {
        const r = await Promise.race([reader().read(), timeout]);
        if (r === "timeout") {
          const idle = `Nothing of the request body arrived for ${seconds(limits.idleMs)}.`;
          return cut(controller, wait < limits.idleMs ? total : idle);
        }
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (err) {
        controller.error(err);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return locked ? locked.cancel(reason) : source.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The edge middleware: the request goes on with its body guarded (bodiless ones as they are). */
export function bodyTimeouts(limits: BodyTimeouts): MiddlewareHandler {
  return async function bodyTimeouts(c, next) {
    const req = c.req.raw;
    if (req.body) {
      const body = guardBody(req.body, limits);
      c.req.raw = new Request(req, { body, duplex: "half" } as RequestInit);
    }
    await next();
  };
}

/**
 * The whole body, at most `maxBytes` (else `tooLarge()` is thrown as soon as the count passes
 * it); RequestTimeoutError passes through, other read failures are a 400.
 */
export async function readBodyBytes(
  req: Request,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof RequestTimeoutError || size > maxBytes) throw err;
    throw new MalformedInputError("The request body could not be read.");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

// Response bodies for large files held in memory.

/** The piece size a big body is handed to the server in. */
const PIECE_BYTES = 64 * 1024;

/**
 * Bytes as a stream of 64 KiB pieces. Deno copies a Uint8Array body whole and writes it in
 * one go, which holds the event loop for every other request while megabytes go out (measured:
 * `/healthz` p99 from ~1 ms to >100 ms under ten 1 MB downloads); in pieces, other requests
 * get their turn between them. The pieces are views, so the bytes (a cache entry) are never
 * copied or detached here.
 */
export function streamBytes(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(at, at + PIECE_BYTES));
      at += PIECE_BYTES;
    },
  });
}
