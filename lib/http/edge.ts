/**
 * The HTTP edge: what every request passes through before and after the Fresh app, on a
 * Hono instance. Outermost first:
 *
 * 1. `compress()` (Hono): gzip or deflate for compressible types (HTML, CSS, JS, JSON, SVG)
 *    of 1 KiB or more when the client accepts it, with `Vary: Accept-Encoding` and the ETag
 *    made weak; never PDFs, ZIPs, images, bodies already encoded or `no-transform`. Inside
 *    it, `brotli()` does the same with Brotli when the client prefers `br` (every current
 *    browser): Hono's middleware knows only gzip and deflate, Deno's CompressionStream
 *    also Brotli, about 15-20% smaller on our HTML and CSS.
 * 2. `securityHeaders()` (Hono's `secureHeaders`, lib/http/security_headers.ts).
 * 3. `bodyTimeouts()` (lib/http/body.ts): stalled or endless request bodies end in 408.
 * 4. The Fresh app (`app.handler()`), which answers everything, errors included.
 *
 * An error thrown here (never by the app, which answers its own) is logged and answered as
 * the contract's JSON 500 under `/api`, a plain 500 elsewhere.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import type { MiddlewareHandler } from "hono";
import { parseAccept } from "hono/utils/accept";
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from "hono/utils/compress";
import type { Config } from "@/lib/config.ts";
import { bodyTimeouts } from "@/lib/http/body.ts";
import { INTERNAL_MESSAGE, internalProblem, jsonError } from "@/lib/http/errors.ts";
import { securityHeaders } from "@/lib/http/security_headers.ts";
import { log, redactPath } from "@/lib/log.ts";
import { copyResponse } from "@/lib/http/response_headers.ts";

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
type Env = { Bindings: Deno.ServeHandlerInfo };

/** In-process requests (tests) come from loopback, as the framework assumes too. */
const IN_PROCESS: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  completed: Promise.resolve(),
};

/** Below this, compression costs more than it saves (Hono's default too). */
const COMPRESS_THRESHOLD = 1024;

/** An Accept-Encoding that names a coding compress() or brotli() could answer with. */
const ACCEPTS_COMPRESSION = /\b(?:gzip|deflate|br)\b|\*/i;

/** `br` when the client accepts it at least as much as gzip (Accept-Encoding q-values). */
function prefersBrotli(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  const accepts = parseAccept(acceptEncoding);
  const q = (name: string) =>
    accepts.find((a) => a.type.toLowerCase() === name)?.q ??
      accepts.find((a) => a.type === "*")?.q ?? 0;
  return q("br") > 0 && q("br") >= q("gzip");
}

/** Hono's `compress()` rules, with Brotli: the same types, threshold and exceptions. */
function brotli(threshold: number): MiddlewareHandler {
  return async function brotli(c, next) {
    await next();
    const res = c.res;
    const length = res.headers.get("content-length");
    const type = res.headers.get("content-type");
    // The client's wish first: `res.body`, once read, is a stream the server writes slower.
    if (
      !prefersBrotli(c.req.header("accept-encoding")) ||
      !res.body || res.status === 206 || c.req.method === "HEAD" ||
      res.headers.has("content-encoding") || res.headers.has("transfer-encoding") ||
      (length !== null && Number(length) < threshold) ||
      !type || !COMPRESSIBLE_CONTENT_TYPE_REGEX.test(type) ||
      /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.get("cache-control") ?? "")
    ) return;
    const stream = new CompressionStream("brotli" as CompressionFormat);
    c.res = new Response(res.body.pipeThrough(stream), res);
    c.res.headers.delete("content-length");
    c.res.headers.set("content-encoding", "br");
    const vary = c.res.headers.get("vary");
    if (!vary) c.res.headers.set("vary", "Accept-Encoding");
    else if (!/accept-encoding/i.test(vary)) c.res.headers.set("vary", `${vary}, Accept-Encoding`);
    const etag = c.res.headers.get("etag");
    if (etag && !etag.startsWith("W/")) c.res.headers.set("etag", `W/${etag}`);
  };
}

/**
 * A body of unknown length (`Response.json()`, a string) is read up to `threshold` bytes:
 * if it ends before that, it gets its Content-Length (and so stays uncompressed: compressing
 * a tiny body makes it bigger); else it goes on as a stream, the bytes read put back first.
 */
async function measureSmallBody(res: Response, threshold: number): Promise<Response> {
  if (!res.body || res.headers.has("content-length") || res.headers.has("content-encoding")) {
    return res;
  }
  const reader = res.body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size < threshold) {
    const { done, value } = await reader.read();
    if (done) {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const c of head) {
        bytes.set(c, at);
        at += c.byteLength;
      }
      const out = copyResponse(res, bytes);
      out.headers.set("content-length", String(size));
      return out;
    }
    head.push(value);
    size += value.byteLength;
  }
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = head.shift();
      if (next) return controller.enqueue(next);
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return copyResponse(res, body);
}

/**
 * `Vary: Accept-Encoding` on every answer compress() might encode, set here in place: when
 * compress() sets it itself (through Hono's `c.header`, after the answer exists), it copies
 * the Response, and the copy turns a string body the server writes natively into a stream,
 * on every request, compressed or not. (Not even `res.body` is read here: reading it makes
 * the stream too.)
 */
function varyOnEncoding(res: Response): Response {
  const type = res.headers.get("content-type");
  if (!type || !COMPRESSIBLE_CONTENT_TYPE_REGEX.test(type)) return res;
  const vary = res.headers.get("vary");
  if (!vary) res.headers.set("vary", "Accept-Encoding");
  else if (vary !== "*" && !/accept-encoding/i.test(vary)) {
    res.headers.set("vary", `${vary}, Accept-Encoding`);
  }
  return res;
}

/** Some responses (`Response.redirect`, a fetch's) have immutable headers: copy those. */
function withMutableHeaders(res: Response): Response {
  try {
    res.headers.set("x-content-type-options", "nosniff");
    return res;
  } catch {
    return copyResponse(res, res.body);
  }
}

/** `Deno.serve(portalEdge(app.handler(), config))`, or `await edge(new Request(url))`. */
export function portalEdge(
  app: Handler,
  config: Pick<
    Config,
    "trustedProxies" | "REQUEST_BODY_IDLE_SECONDS" | "REQUEST_BODY_TIMEOUT_SECONDS"
  >,
): Handler {
  const edge = new Hono<Env>()
    .use(compress({ threshold: COMPRESS_THRESHOLD }))
    .use(brotli(COMPRESS_THRESHOLD))
    .use(securityHeaders(config.trustedProxies))
    .use(
      bodyTimeouts({
        idleMs: config.REQUEST_BODY_IDLE_SECONDS * 1000,
        totalMs: config.REQUEST_BODY_TIMEOUT_SECONDS * 1000,
      }),
    )
    .all(
      "*",
      async (c) => {
        const res = await app(c.req.raw, c.env);
        // Only a client that accepts compression needs the length: for any other, reading the
        // body would only turn a string the server writes natively into a slower stream.
        const measured = ACCEPTS_COMPRESSION.test(c.req.header("accept-encoding") ?? "")
          ? await measureSmallBody(res, COMPRESS_THRESHOLD)
          : res;
        return varyOnEncoding(withMutableHeaders(measured));
      },
    );
  edge.onError((err, c) => {
    const path = new URL(c.req.url).pathname;
    log.error("edge error", { route: redactPath(path), err });
    if (path === "/api" || path.startsWith("/api/")) return jsonError(internalProblem());
    return c.text(INTERNAL_MESSAGE, 500);
  });
  return (req, info = IN_PROCESS) => Promise.resolve(edge.fetch(req, info));
}
