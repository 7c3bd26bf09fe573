/**
 * The one guard for everything under `/staff` (`routes/staff/_middleware.ts`). Per request:
 *
 * 1. the console's sign-in decision (lib/staff/console_access.ts): off (no `OIDC_ISSUER` in
 *    production, or a developer console asked from another machine) → 404, as if absent;
 * 2. `Cache-Control: no-store` and `X-Robots-Tag: noindex` on every answer;
 * 3. the sign-in pages (`STAFF_PUBLIC_ROUTES`) need no session, and their state-changing
 *    steps (starting a sign-in, the callback, the developer sign-in) are rate limited per
 *    client address;
 * 4. everything else needs a live session (lib/http/oidc.ts `currentStaff`): without one a
 *    303 to `/staff/signin?return_to=…` (a stale cookie is cleared); with one, the actor
 *    (the member's role now) is `ctx.state.staff`;
 * 5. every state-changing request (anything but GET, HEAD, OPTIONS) must be same-site and
 *    carry the session's CSRF token (lib/http/csrf.ts); the small form is read here, once,
 *    and left on `ctx.state.form` for the route.
 */
import { clientAddress } from "@/lib/access/client_ip.ts";
import { hitRateLimit } from "@/lib/access/rate_limit.ts";
import { NotFoundError, RateLimitedError } from "@/lib/errors.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { consoleSignIn } from "@/lib/staff/console_access.ts";
import { define } from "@/lib/state.ts";
import { clearHostCookie } from "./cookies.ts";
import { changesState, CSRF_FIELD, verifyCsrf } from "./csrf.ts";
import { readSmallForm } from "./forms.ts";
import { currentStaff, safeStaffReturn, STAFF_PATHS, STAFF_SESSION_COOKIE } from "./oidc.ts";
import { ownOrigins } from "./origin.ts";
import { peerInfo } from "./peer.ts";

/** Routes that need no session: the sign-in page, its start, the callback, the dev form. */
export const STAFF_PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  STAFF_PATHS.signIn,
  STAFF_PATHS.callback,
  "/staff/dev-signin",
]);

/** Sign-in steps per client address per hour (each writes a flow or calls the provider). */
export const SIGNIN_ATTEMPTS_PER_HOUR = 30;

/** The connecting peer's IP address (a proxy's, behind one). */
export function peerAddress(info: Deno.ServeHandlerInfo): string | undefined {
  const addr = info.remoteAddr;
  return "hostname" in addr ? addr.hostname : undefined;
}

/** The client's address as the rate limits and the audit log see it. */
export function staffClientIp(req: Request, info: Deno.ServeHandlerInfo): string {
  return clientAddress(req.headers.get("x-forwarded-for"), peerAddress(info));
}

function isForm(req: Request): boolean {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  return type.startsWith("application/x-www-form-urlencoded") ||
    type.startsWith("multipart/form-data");
}

export const staffAccess = define.middleware(async (ctx) => {
  const { services, responseHeaders } = ctx.state;
  const decision = consoleSignIn(services.config, peerInfo(ctx.req, peerAddress(ctx.info)));
  if (decision.mode === "off") throw new NotFoundError("Not found");
  responseHeaders.set("cache-control", "no-store");
  responseHeaders.set("x-robots-tag", "noindex");
  const ip = staffClientIp(ctx.req, ctx.info);

  if (ctx.route && STAFF_PUBLIC_ROUTES.has(ctx.route)) {
    const step = ctx.route === STAFF_PATHS.callback || changesState(ctx.req.method);
    if (step) {
      const d = await hitRateLimit(
        services,
        { kind: "staff_signin", id: ip },
        SIGNIN_ATTEMPTS_PER_HOUR,
      );
      if (!d.allowed) {
        throw new RateLimitedError(d.retryAfter, "Too many sign-in attempts. Try again later.");
      }
    }
    return await ctx.next();
  }

  const found = await currentStaff(services, ctx.req, { ip });
  if (!found) {
    await ctx.req.body?.cancel().catch(() => {});
    const back = ctx.req.method === "GET" ? safeStaffReturn(ctx.url.pathname + ctx.url.search) : "";
    const location = back && back !== STAFF_PATHS.home
      ? `${STAFF_PATHS.signIn}?return_to=${encodeURIComponent(back)}`
      : STAFF_PATHS.signIn;
    const headers = new Headers({ location });
    if (ctx.req.headers.get("cookie")?.includes(`${STAFF_SESSION_COOKIE}=`)) {
      headers.append("set-cookie", clearHostCookie(STAFF_SESSION_COOKIE));
    }
    return new Response(null, { status: 303, headers });
  }
  const org = await getOrg(services.kv, found.actor.org);
  ctx.state.staff = {
    actor: found.actor,
    session: found.session,
    csrfToken: found.session.csrf_token,
    orgName: org?.name ?? found.actor.org,
  };
  if (changesState(ctx.req.method)) {
    const form = isForm(ctx.req) ? await readSmallForm(ctx.req) : {};
    ctx.state.form = form;
    verifyCsrf(ctx.req, found.session.csrf_token, {
      ownOrigins: ownOrigins(ctx.url, services.config.publicBaseUrl),
      formToken: form[CSRF_FIELD],
    });
  }
  return await ctx.next();
});
