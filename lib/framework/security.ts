/**
 * Baseline security headers on every response. Scripts run only with this response's
 * nonce ('strict-dynamic' lets island chunks load from a nonced entry); no inline script
 * is ever allowed. Inline style attributes are allowed: they cannot run code.
 */
import type { Context } from "hono";

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

function isHttps(c: Context): boolean {
  const forwarded = c.req.header("x-forwarded-proto");
  if (forwarded) return forwarded.split(",")[0].trim() === "https";
  return new URL(c.req.url).protocol === "https:";
}

export function securityHeaders() {
  return async (c: Context<{ Variables: { nonce: string } }>, next: () => Promise<void>) => {
    const nonce = newNonce();
    c.set("nonce", nonce);
    await next();
    const https = isHttps(c);
    try {
      setSecurityHeaders(c.res.headers, nonce, https);
    } catch {
      // Some responses (Response.redirect, fetch results) have immutable headers: copy those
      // only. A copy turns a string body into a stream, which the server writes slower.
      const res = new Response(c.res.body, c.res);
      setSecurityHeaders(res.headers, nonce, https);
      c.res = undefined;
      c.res = res;
    }
  };
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
