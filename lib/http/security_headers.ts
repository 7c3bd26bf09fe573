/**
 * Baseline security headers on every answer, error pages and static files included, with
 * Hono's `secureHeaders`. Scripts run only with the nonce the renderer put on this page's
 * island scripts ('strict-dynamic' lets their chunks load); no inline script is ever
 * allowed. Inline style attributes are allowed: they cannot run code. A response that sets
 * its own header (an email preview's or a photo's CSP) keeps it. HSTS is sent only to
 * clients that came over HTTPS, as `TRUSTED_PROXIES` lets us believe it.
 *
 * The nonce: Fresh 2's renderer chooses it and leaves it on the Response (`NONCE_SYMBOL`),
 * where Fresh's `csp()` middleware reads it; Hono's `NONCE` helper instead makes one before
 * the handler runs. So `secureHeaders` is applied once the answer exists, with a directive
 * that reads the renderer's nonce (a fresh one for answers that rendered no page).
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { NONCE_SYMBOL } from "fresh/internal";
import type { TrustedProxies } from "@/lib/access/client_ip.ts";
import { requestClient } from "@/lib/http/request_client.ts";

type Env = { Bindings: Deno.ServeHandlerInfo; Variables: { pageNonce: string } };

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(
    /[+/=]/g,
    (c) => (c === "+" ? "-" : c === "/" ? "_" : ""),
  );
}

const HSTS = "max-age=63072000; includeSubDomains";

/** The CSP's directives but `script-src`, whose nonce is the page's. */
const DIRECTIVES = {
  defaultSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:", "blob:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The policy as a header value for `nonce`, for a route that must widen one directive itself
 * (the staff sign-in page's `form-action`); a response that sets its own CSP keeps it.
 */
export function contentSecurityPolicy(nonce: string): string {
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const { defaultSrc, ...rest } = DIRECTIVES;
  return [
    ["defaultSrc", defaultSrc],
    ["scriptSrc", [`'nonce-${nonce}'`, "'strict-dynamic'"]],
    ...Object.entries(rest),
  ].map(([name, values]) => `${kebab(name as string)} ${(values as string[]).join(" ")}`)
    .join("; ");
}

function policy(strictTransportSecurity: string | false) {
  return secureHeaders({
    contentSecurityPolicy: {
      ...DIRECTIVES,
      scriptSrc: [(c) => `'nonce-${c.get("pageNonce")}'`, "'strict-dynamic'"],
    },
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    crossOriginOpenerPolicy: "same-origin",
    // Not Hono's `same-origin` default: it would also block what other origins may load on
    // purpose (an email client showing an image, a page's no-cors request getting its
    // refusal); every customer answer is `no-store` behind an unguessable link instead.
    crossOriginResourcePolicy: false,
    permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    strictTransportSecurity,
    overwrite: false,
  });
}

const overHttp = policy(false);
const overHttps = policy(HSTS);
const answered = () => Promise.resolve();

/** The edge middleware (lib/http/edge.ts). */
export function securityHeaders(trusted: TrustedProxies): MiddlewareHandler<Env> {
  return async function securityHeaders(c, next) {
    await next();
    const res = c.res as Response & { [NONCE_SYMBOL]?: string };
    c.set("pageNonce", res[NONCE_SYMBOL] ?? newNonce());
    const { https } = requestClient(c.req.raw, c.env, trusted);
    await (https ? overHttps : overHttp)(c, answered);
  };
}
