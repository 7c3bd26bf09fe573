/**
 * The HTTP edge: what every request passes through before and after the Fresh app, on a
 * Hono instance. Outermost first:
 *
 * 1. `compress()` (Hono): gzip or deflate for compressible types (HTML, CSS, JS, JSON, SVG)
 *    of 1 KiB or more when the client accepts it, with `Vary: Accept-Encoding` and the ETag
 *    made weak; never PDFs, ZIPs, images, bodies already encoded or `no-transform`.
 * 2. `securityHeaders()` (Hono's `secureHeaders`, lib/http/security_headers.ts).
 * 3. `bodyTimeouts()` (lib/http/body.ts): stalled or endless request bodies end in 408.
 * 4. The Fresh app (`app.handler()`), which answers everything, errors included.
 *
 * An error thrown here (never by the app, which answers its own) is logged and answered as
 * the contract's JSON 500 under `/api`, a plain 500 elsewhere.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import type { Config } from "@/lib/config.ts";
import { bodyTimeouts } from "@/lib/http/body.ts";
import { INTERNAL_MESSAGE, internalProblem, jsonError } from "@/lib/http/errors.ts";
import { securityHeaders } from "@/lib/http/security_headers.ts";
import { log, redactPath } from "@/lib/log.ts";

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
type Env = { Bindings: Deno.ServeHandlerInfo };

/** In-process requests (tests) come from loopback, as the framework assumes too. */
const IN_PROCESS: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  completed: Promise.resolve(),
};

/** Below this, compression costs more than it saves (Hono's default too). */
const COMPRESS_THRESHOLD = 1024;

/** Some responses (`Response.redirect`, a fetch's) have immutable headers: copy those. */
function withMutableHeaders(res: Response): Response {
  try {
    res.headers.set("x-content-type-options", "nosniff");
    return res;
  } catch {
    return new Response(res.body, res);
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
    .use(securityHeaders(config.trustedProxies))
    .use(
      bodyTimeouts({
        idleMs: config.REQUEST_BODY_IDLE_SECONDS * 1000,
        totalMs: config.REQUEST_BODY_TIMEOUT_SECONDS * 1000,
      }),
    )
    .all("*", async (c) => withMutableHeaders(await app(c.req.raw, c.env)));
  edge.onError((err, c) => {
    const path = new URL(c.req.url).pathname;
    log.error("edge error", { route: redactPath(path), err });
    if (path === "/api" || path.startsWith("/api/")) return jsonError(internalProblem());
    return c.text(INTERNAL_MESSAGE, 500);
  });
  return (req, info = IN_PROCESS) => Promise.resolve(edge.fetch(req, info));
}
