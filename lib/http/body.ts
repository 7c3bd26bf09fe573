/**
 * Reading request bodies, the one way: every body the portal reads is cut with a 408
 * (`RequestTimeoutError`) when the client sends nothing for `BODY_IDLE_TIMEOUT_MS` (default
 * 30 s) or is still sending `BODY_TOTAL_TIMEOUT_MS` (default 10 min) after the request began.
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
  const reader = source.getReader();
  const deadline = startedAt + limits.totalMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cut = (controller: ReadableStreamDefaultController<Uint8Array>, message: string) => {
    controller.error(new RequestTimeoutError(message));
    reader.cancel().catch(() => {});
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
        const r = await Promise.race([reader.read(), timeout]);
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
      return reader.cancel(reason);
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
