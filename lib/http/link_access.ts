/**
 * The one guard for everything under a magic link, used by `routes/customer/[token]/` (pages)
 * and `routes/api/portal/customer/[token]/` (JSON). Per request:
 *
 * 1. the token's format and checksum (a malformed token is refused with no KV work at all);
 * 2. the link record, its org and customer (exists, not revoked, not expired);
 * 3. the rate limit: per link when valid, per client address when not (the peer, or what
 *    `TRUSTED_PROXIES` lets us believe: lib/access/client_ip.ts), so a flood of well-formed
 *    but unknown tokens runs into the limit instead of into KV;
 * 4. `ctx.state.access`, and the customer's visit (written at most once an hour).
 *
 * The link's use counters (views, downloads, API calls, last use) ride on the rate limit's
 * one write (`linkUsageTally`), so counting adds no KV write to a request.
 *
 * Every answer under a link, the route's or an error, carries `Cache-Control: no-store`,
 * `X-Robots-Tag: noindex` (the URL is a capability) and the `RateLimit-*` headers: they are
 * set on `ctx.state.responseHeaders` before anything can fail. Refusals are thrown
 * (LinkInvalidError, RateLimitedError) and answered by the root middleware, one way for
 * every invalid link whatever the reason, so nothing tells which tokens once existed.
 */
import { RateLimitedError } from "@/lib/errors.ts";
import { hitRateLimit, type RateLimitDecision, WINDOW_MS } from "@/lib/access/rate_limit.ts";
import { LinkInvalidError, linkUsageTally, type LinkUse, verifyLink } from "@/lib/access/tokens.ts";
import { recordVisit } from "@/lib/orders/customers.ts";
import type { Org } from "@/lib/orders/model.ts";
import { define } from "@/lib/state.ts";

const RATE_LIMITED_MESSAGE = "Too many requests for this link. Try again later.";
const VISIT_WRITE_INTERVAL_MS = 60 * 60 * 1000;

/** The IETF draft headers for any answer under the limit, allowed or not. */
function setRateLimitHeaders(h: Headers, d: RateLimitDecision) {
  h.set("ratelimit-limit", String(d.limit));
  h.set("ratelimit-remaining", String(d.remaining));
  h.set("ratelimit-reset", String(d.resetSeconds));
  h.set("ratelimit-policy", `${d.limit};w=${WINDOW_MS / 1000}`);
}

/** Over the limit on a valid link: its org is known, so the 429 page can name whom to contact. */
export class LinkRateLimitedError extends RateLimitedError {
  constructor(retryAfterSeconds: number, message: string, readonly org?: Org) {
    super(retryAfterSeconds, message);
  }
}

function limited(d: RateLimitDecision, org?: Org): RateLimitedError {
  return new LinkRateLimitedError(d.retryAfter, RATE_LIMITED_MESSAGE, org);
}

export const linkAccess = define.middleware(async (ctx) => {
  const { services, responseHeaders } = ctx.state;
  responseHeaders.set("cache-control", "no-store");
  responseHeaders.set("x-robots-tag", "noindex");
  const verified = await verifyLink(services, ctx.params.token ?? "");

  if (!verified.ok) {
    if (verified.reason === "malformed") throw new LinkInvalidError();
    const d = await hitRateLimit(services, { kind: "addr", id: ctx.state.client.address });
    setRateLimitHeaders(responseHeaders, d);
    throw d.allowed ? new LinkInvalidError(verified.org) : limited(d);
  }

  const { org, customer, tokenHash } = verified;
  const now = services.clock.now();
  const tally = linkUsageTally(
    { org: org.slug, customerRef: customer.ref, tokenHash },
    useOf(ctx.route, ctx.req.method),
    now,
  );
  const d = await hitRateLimit(services, { kind: "link", id: tokenHash }, undefined, tally);
  setRateLimitHeaders(responseHeaders, d);
  if (!d.allowed) throw limited(d, org);

  ctx.state.access = { org, customer, tokenHash, token: ctx.params.token };
  // The customer record was just read: skip even recordVisit's read when it would not
  // write (it writes at most hourly), so a page view stays at one write.
  const last = customer.last_visit_at ? Date.parse(customer.last_visit_at) : NaN;
  if (!(now.getTime() - last < VISIT_WRITE_INTERVAL_MS)) {
    await recordVisit(services.kv, org.slug, customer.ref, now);
  }
  return await ctx.next();
});

/** What a request under a link counts as: a page view, a document download, an API call. */
function useOf(route: string | null, method: string): LinkUse {
  if (route?.endsWith("/documents/:doc_id")) return "download";
  if (method !== "GET" && method !== "HEAD") return "other";
  return route?.startsWith("/api/") ? "api" : "view";
}
