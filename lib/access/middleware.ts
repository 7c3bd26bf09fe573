/**
 * The one guard for everything under a link: `routes/customer/[token]/` (pages) and
 * `routes/api/portal/customer/[token]/` (JSON). Per request:
 *
 * 1. the token's format and checksum (a malformed token is refused with no KV work at all);
 * 2. the link record, its org and customer (exists, not revoked, not expired);
 * 3. the rate limit: per link when valid, per client address when not, so a flood of
 *    well-formed but unknown tokens runs into the limit instead of into KV;
 * 4. `ctx.state.access`, and the customer's visit (written at most once an hour).
 *
 * Every answer, the handler's or ours, carries `Cache-Control: no-store` and
 * `X-Robots-Tag: noindex` (the URL is a capability) and the `RateLimit-*` headers.
 * Invalid links get ONE answer whatever the reason, so nothing tells an attacker which
 * tokens once existed.
 */
import type { Middleware, RouteContext } from "@/lib/framework/types.ts";
import { HttpError, jsonError } from "@/lib/http/errors.ts";
import type { Org } from "@/lib/orders/model.ts";
import { recordVisit } from "@/lib/orders/store.ts";
import { renderLinkInvalidPage } from "@/lib/pages/link_error.tsx";
import { renderRateLimitedPage } from "@/lib/pages/rate_limited.tsx";
import { clientAddress } from "./client_ip.ts";
import { hitRateLimit, type RateLimitDecision, rateLimitHeaders } from "./rate_limit.ts";
import { verifyLink } from "./tokens.ts";

export const LINK_INVALID_MESSAGE = "This customer portal link is invalid or has expired.";
const RATE_LIMITED_MESSAGE = "Too many requests for this link. Try again later.";
const VISIT_WRITE_INTERVAL_MS = 60 * 60 * 1000;

const PRIVATE: Record<string, string> = {
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
};

type Surface = "page" | "api";

/** The connecting peer, from the framework (a proxy's address when behind one). */
function peerAddress(ctx: RouteContext): string | undefined {
  return ctx.remoteAddr;
}

/**
 * A response with our headers: set in place, or on a copy when the response's headers are
 * immutable (a copy turns a string body into a stream, which the server writes slower).
 */
function withHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    setHeaders(res.headers, headers);
    return res;
  } catch {
    const out = new Response(res.body, res);
    setHeaders(out.headers, headers);
    return out;
  }
}

function setHeaders(target: Headers, headers: Record<string, string>) {
  for (const k in headers) {
    // A handler's own stricter variant (documents: `private, no-store`) is kept.
    if (k === "cache-control" && target.get(k)?.includes("no-store")) continue;
    target.set(k, headers[k]);
  }
}

function invalid(ctx: RouteContext, surface: Surface, org: Org | undefined): Response {
  if (surface === "page") return renderLinkInvalidPage(ctx, org);
  return jsonError(new HttpError(401, "link_invalid", LINK_INVALID_MESSAGE));
}

function limited(ctx: RouteContext, surface: Surface, d: RateLimitDecision): Response {
  if (surface === "page") return renderRateLimitedPage(ctx, d.retryAfter);
  return jsonError(new HttpError(429, "rate_limited", RATE_LIMITED_MESSAGE));
}

/** The token middleware for pages (`"page"`) or the JSON API (`"api"`). */
export function linkAccessMiddleware(surface: Surface): Middleware {
  return async (ctx) => {
    const { services } = ctx;
    const token = ctx.params.token ?? "";
    const verified = await verifyLink(services, token);

    if (!verified.ok) {
      if (verified.reason === "malformed") {
        return withHeaders(invalid(ctx, surface, undefined), PRIVATE);
      }
      const d = await hitRateLimit(services, {
        kind: "addr",
        id: clientAddress(ctx.req, peerAddress(ctx)),
      });
      const res = d.allowed ? invalid(ctx, surface, verified.org) : limited(ctx, surface, d);
      return withHeaders(res, { ...PRIVATE, ...rateLimitHeaders(d) });
    }

    const { org, customer, tokenHash } = verified;
    const d = await hitRateLimit(services, { kind: "link", id: tokenHash });
    const headers = { ...PRIVATE, ...rateLimitHeaders(d) };
    if (!d.allowed) return withHeaders(limited(ctx, surface, d), headers);

    ctx.state.access = { org, customer, tokenHash, token };
    // The customer record was just read: skip even recordVisit's read when it would not
    // write (it writes at most hourly), so a page view stays at one write.
    const now = services.clock.now();
    const last = customer.last_visit_at ? Date.parse(customer.last_visit_at) : NaN;
    if (!(now.getTime() - last < VISIT_WRITE_INTERVAL_MS)) {
      await recordVisit(services.kv, org.slug, customer.ref, now);
    }

    let res: Response;
    try {
      res = await ctx.next();
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // Client errors thrown below (404 outside the customer's scope, 422...) keep our
      // headers: as JSON here, or through the framework's error page via `err.headers`.
      const merged = { ...err.headers, ...headers };
      if (surface === "api") return withHeaders(jsonError(err), merged);
      throw new HttpError(err.status, err.code, err.message, err.fields, merged);
    }
    return withHeaders(res, headers);
  };
}
