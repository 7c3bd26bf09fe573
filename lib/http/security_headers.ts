/**
 * Baseline security headers on every answer, error pages and static files included, so they
 * wrap the app's whole handler rather than sit in its middleware chain (an error page is
 * rendered outside every middleware). Scripts run only with the nonce the renderer put on
 * this page's island scripts ('strict-dynamic' lets their chunks load); no inline script is
 * ever allowed. Inline style attributes are allowed: they cannot run code. A response that
 * sets its own CSP (an email preview, a user's photo) keeps it.
 */

/** Where Fresh 2's renderer (and ours) leaves the page's script nonce on the Response. */
const NONCE = Symbol.for("__freshNonce");

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(
    /[+/=]/g,
    (c) => (c === "+" ? "-" : c === "/" ? "_" : ""),
  );
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function isHttps(req: Request): boolean {
  const forwarded = req.headers.get("x-forwarded-proto");
  if (forwarded) return forwarded.split(",")[0].trim() === "https";
  return new URL(req.url).protocol === "https:";
}

function setSecurityHeaders(h: Headers, nonce: string, https: boolean) {
  if (!h.has("content-security-policy")) {
    h.set("content-security-policy", contentSecurityPolicy(nonce));
  }
  h.set("referrer-policy", "no-referrer");
  h.set("x-content-type-options", "nosniff");
  h.set("x-frame-options", "DENY");
  h.set("cross-origin-opener-policy", "same-origin");
  h.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  if (https) h.set("strict-transport-security", "max-age=63072000; includeSubDomains");
}

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

/** `Deno.serve(withSecurityHeaders(app.handler()))`. */
export function withSecurityHeaders(handler: Handler): Handler {
  return async (req, info) => {
    const res = await handler(req, info);
    const nonce = (res as unknown as Record<symbol, string | undefined>)[NONCE] ?? newNonce();
    const https = isHttps(req);
    try {
      setSecurityHeaders(res.headers, nonce, https);
      return res;
    } catch {
      // Some responses (Response.redirect, fetch results) have immutable headers: copy those
      // only. A copy turns a string body into a stream, which the server writes slower.
      const copy = new Response(res.body, res);
      setSecurityHeaders(copy.headers, nonce, https);
      return copy;
    }
  };
}
