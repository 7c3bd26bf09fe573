/**
 * CSRF protection for every state-changing staff request, two independent checks:
 * 1. the browser's own word (`Sec-Fetch-Site`, `Origin`: lib/http/origin.ts) that the
 *    request comes from one of the portal's pages;
 * 2. the session's synchronizer token (lib/staff/sessions.ts), sent as the `_csrf` form
 *    field or the `X-CSRF-Token` header, compared in constant time. Another site can
 *    neither read it (the console's pages are not readable cross-origin) nor guess it.
 * SameSite=Lax on the session cookie is a third layer, not relied on alone.
 */
import { timingSafeEqual } from "node:crypto";
import { ForbiddenError } from "@/lib/errors.ts";
import { isCrossSite } from "@/lib/http/origin.ts";

export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

/** A state-changing staff request without the session's token, or from another site: a 403. */
export class CsrfError extends ForbiddenError {
  constructor(readonly reason: "cross_site" | "token") {
    super(
      reason === "cross_site"
        ? "Cross-site requests are refused."
        : "The form has expired. Reload the page and try again.",
    );
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True for methods that change state (everything but GET, HEAD and OPTIONS). */
export function changesState(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Throws ForbiddenError (a 403) unless the request is same-site and carries the session's token (header, or
 * `formToken` read by the caller from the body it parsed anyway).
 *
 * @example
 * const form = await readSmallForm(ctx.req);
 * verifyCsrf(ctx.req, session.csrf_token, { ownOrigins: own, formToken: form[CSRF_FIELD] });
 */
export function verifyCsrf(
  req: Request,
  expected: string,
  opts: { ownOrigins: readonly string[]; formToken?: string | null },
): void {
  if (isCrossSite(req, opts.ownOrigins)) throw new CsrfError("cross_site");
  const sent = req.headers.get(CSRF_HEADER) ?? opts.formToken ?? "";
  if (!expected || !sent || !sameToken(sent, expected)) throw new CsrfError("token");
}
