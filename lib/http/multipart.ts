/**
 * A streaming `multipart/form-data` reader that enforces its limits WHILE reading, so an
 * oversized upload is refused after at most one network chunk past the limit, never after
 * buffering the body. Memory stays bounded: only a part's headers, a text field's value (both
 * capped) or the last few bytes of a file (the length of the boundary) are ever held; file
 * bytes go straight to the caller's `onFile` as they arrive.
 *
 * Why not a library: the streaming parsers that run on Web streams (e.g. @remix-run's
 * multipart-parser) hand each part over as one buffered `arrayBuffer`, which would hold up to
 * 10 MB per photo in memory; this reader streams part bodies and is ~250 lines.
 */
import { MalformedInputError, RequestTimeoutError, TooLargeError } from "@/lib/errors.ts";

export interface MultipartLimits {
  /** The whole body, checked against Content-Length first and then counted as it streams. */
  maxBodyBytes: number;
  maxFileBytes: number;
  /** A text field's value. */
  maxFieldBytes: number;
  /** All parts together (fields and files). */
  maxParts: number;
  /** One part's header block. */
  maxHeaderBytes: number;
}

export type LimitKind = "body" | "file" | "field" | "parts" | "header";

/** A limit was crossed (a 413 unless the caller says otherwise). */
export class MultipartLimitError extends TooLargeError {
  constructor(readonly kind: LimitKind, readonly field?: string) {
    super(`multipart ${kind} limit exceeded${field ? ` (${field})` : ""}`);
  }
}

/**
 * The body is not well-formed multipart (a 400), or not multipart at all (`notMultipart`:
 * callers answer that as an unsupported type).
 */
export class MultipartFormatError extends MalformedInputError {
  constructor(message: string, readonly notMultipart = false) {
    super(message);
  }
}

export interface FilePart {
  /** The form field name, e.g. "photos". */
  field: string;
  /** As sent by the client: display only, never used as a path or stored name. */
  filename: string;
  /** As sent by the client: not trusted (types are decided by magic bytes). */
  declaredType: string;
  /** The file's bytes as they arrive. Whatever `onFile` leaves unread is skipped. */
  chunks: AsyncIterable<Uint8Array>;
}

export interface MultipartHandlers {
  onField(name: string, value: string): void | Promise<void>;
  onFile(part: FilePart): Promise<void>;
}

const enc = new TextEncoder();
const CRLF = enc.encode("\r\n");
const CRLFCRLF = enc.encode("\r\n\r\n");
const EMPTY = new Uint8Array(0);
/** Bytes tolerated before the first boundary (RFC 2046 preamble). */
const MAX_PREAMBLE = 1024;

/** The boundary from a `multipart/form-data` Content-Type, or null. */
export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = contentType.match(/;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i);
  return m ? (m[1] ?? m[2]) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  let i = hay.indexOf(first, from);
  while (i !== -1 && i <= hay.length - needle.length) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Parses `name="x"; filename="y"` parameters of a header value. */
function headerParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([A-Za-z0-9_*.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.matchAll(re)) {
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
    params.set(m[1].toLowerCase(), raw);
  }
  return params;
}

/** The body as a buffer that grows one network chunk at a time, with the limits counted. */
class BodyBuffer {
  buf: Uint8Array = EMPTY;
  #total = 0;
  #ended = false;
  constructor(
    readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    readonly maxBytes: number,
  ) {}

  get ended() {
    return this.#ended;
  }

  /** Appends the next network chunk to `buf`; false at the end of the body. */
  async more(): Promise<boolean> {
    if (this.#ended) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await this.reader.read();
    } catch (err) {
      // A stalled client (lib/http/body.ts) is a 408, not a broken form.
      if (err instanceof RequestTimeoutError) throw err;
      throw new MultipartFormatError("The request body could not be read.");
    }
    if (r.done) {
      this.#ended = true;
      return false;
    }
    this.#total += r.value.byteLength;
    if (this.#total > this.maxBytes) throw new MultipartLimitError("body");
    this.buf = concat(this.buf, r.value);
    return true;
  }

  /** Reads until `buf` holds at least `n` bytes; `ending` names the format error otherwise. */
  async need(n: number, ending: string) {
    while (this.buf.length < n) {
      if (!(await this.more())) throw new MultipartFormatError(ending);
    }
  }
}

/** Skips the preamble and the first boundary. */
async function skipPreamble(body: BodyBuffer, dashBoundary: Uint8Array) {
  for (;;) {
    const idx = indexOf(body.buf, dashBoundary);
    if (idx >= 0) {
      body.buf = body.buf.subarray(idx + dashBoundary.length);
      return;
    }
    if (body.buf.length > MAX_PREAMBLE + dashBoundary.length || !(await body.more())) {
      throw new MultipartFormatError("The multipart body has no opening boundary.");
    }
  }
}

/** After a boundary: false at the closing one, else true once at the part's headers. */
async function startPart(body: BodyBuffer): Promise<boolean> {
  const ending = "The body ended after a boundary.";
  await body.need(2, ending);
  if (body.buf[0] === 0x2d && body.buf[1] === 0x2d) return false; // "--": the closing boundary
  // Transport padding (spaces, tabs) may follow a boundary.
  let skip = 0;
  while (skip < body.buf.length && (body.buf[skip] === 0x20 || body.buf[skip] === 0x09)) skip++;
  body.buf = body.buf.subarray(skip);
  await body.need(2, ending);
  if (body.buf[0] !== CRLF[0] || body.buf[1] !== CRLF[1]) {
    throw new MultipartFormatError("A boundary is not followed by a line break.");
  }
  return true;
}

/** The part's header block ("\r\n" + lines + "\r\n\r\n"), lower-cased names. */
async function readPartHeaders(body: BodyBuffer, maxBytes: number): Promise<Map<string, string>> {
  let headerText: string;
  for (;;) {
    const idx = indexOf(body.buf, CRLFCRLF);
    if (idx >= 0) {
      headerText = new TextDecoder().decode(body.buf.subarray(2, Math.max(2, idx)));
      body.buf = body.buf.subarray(idx + 4);
      break;
    }
    if (body.buf.length > maxBytes) throw new MultipartLimitError("header");
    if (!(await body.more())) throw new MultipartFormatError("The body ended inside part headers.");
  }
  const headers = new Map<string, string>();
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return headers;
}

/** The bytes of the current part up to the next delimiter, streamed; capped at `max`. */
function partBody(
  body: BodyBuffer,
  delimiter: Uint8Array,
  max: number,
  kind: LimitKind,
  field: string,
) {
  let done = false;
  let size = 0;
  const take = (n: number): Uint8Array => {
    const out = body.buf.slice(0, n);
    size += n;
    if (size > max) throw new MultipartLimitError(kind, field);
    return out;
  };
  // No `return()` method on purpose: a consumer that stops early (`break`) does not end
  // the part, and `drain` still skips the rest up to the delimiter.
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      while (!done) {
        const idx = indexOf(body.buf, delimiter);
        if (idx >= 0) {
          const out = take(idx);
          body.buf = body.buf.subarray(idx + delimiter.length);
          done = true;
          if (out.length) return { value: out, done: false };
          break;
        }
        // Keep a tail that could be the start of the delimiter.
        const safe = body.buf.length - (delimiter.length - 1);
        if (safe > 0) {
          const out = take(safe);
          body.buf = body.buf.subarray(safe);
          return { value: out, done: false };
        }
        if (!(await body.more())) throw new MultipartFormatError("The body ended inside a part.");
      }
      return { value: undefined, done: true };
    },
  };
  return {
    chunks: { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<Uint8Array>,
    async drain() {
      while (!(await iterator.next()).done) { /* skip */ }
    },
  };
}

/**
 * Reads a multipart body part by part, calling `onField` for text fields and `onFile` for
 * file parts (those with a `filename` parameter). Throws MultipartLimitError or
 * MultipartFormatError; the request body is cancelled on any error.
 */
export async function readMultipart(
  req: Request,
  limits: MultipartLimits,
  handlers: MultipartHandlers,
): Promise<void> {
  const boundary = boundaryOf(req.headers.get("content-type"));
  if (!boundary) throw new MultipartFormatError("Send the form as multipart/form-data.", true);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBodyBytes) {
    throw new MultipartLimitError("body");
  }
  if (!req.body) throw new MultipartFormatError("The request has no body.");
  const body = new BodyBuffer(req.body.getReader(), limits.maxBodyBytes);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  try {
    await skipPreamble(body, enc.encode(`--${boundary}`));
    let parts = 0;
    while (await startPart(body)) {
      if (++parts > limits.maxParts) throw new MultipartLimitError("parts");
      const headers = await readPartHeaders(body, limits.maxHeaderBytes);
      const disposition = headers.get("content-disposition") ?? "";
      if (!/^form-data\s*(;|$)/i.test(disposition)) {
        throw new MultipartFormatError("A part has no form-data Content-Disposition.");
      }
      const params = headerParams(disposition);
      const name = params.get("name") ?? "";
      if (params.has("filename") || params.has("filename*")) {
        const file = partBody(body, delimiter, limits.maxFileBytes, "file", name);
        await handlers.onFile({
          field: name,
          filename: params.get("filename") ?? params.get("filename*") ?? "",
          declaredType: headers.get("content-type") ?? "application/octet-stream",
          chunks: file.chunks,
        });
        await file.drain();
      } else {
        const field = partBody(body, delimiter, limits.maxFieldBytes, "field", name);
        let value: Uint8Array = EMPTY;
        for await (const chunk of field.chunks) value = concat(value, chunk);
        await handlers.onField(name, new TextDecoder().decode(value));
      }
    }
  } finally {
    if (!body.ended) await body.reader.cancel().catch(() => {});
  }
}
