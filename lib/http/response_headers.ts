import { NONCE_SYMBOL } from "fresh/internal";

/**
 * Applies `ctx.state.responseHeaders` (what middleware decided every answer must carry) to an
 * answer. A route's own stricter caching (`private, no-store` on documents) is kept, and
 * cookies are added, not replaced.
 */
export function mergeHeaders(target: Headers, extra: Headers): void {
  for (const [k, v] of extra) {
    if (k === "set-cookie") target.append(k, v);
    else if (k === "cache-control" && target.get(k)?.includes("no-store")) continue;
    else target.set(k, v);
  }
}

/** The response with `extra` applied: in place, or on a copy when its headers are immutable. */
export function withHeaders(res: Response, extra: Headers): Response {
  if (isEmpty(extra)) return res;
  try {
    mergeHeaders(res.headers, extra);
    return res;
  } catch {
    // A copy turns a string body into a stream, which the server writes slower: only then.
    const copy = copyResponse(res, res.body);
    mergeHeaders(copy.headers, extra);
    return copy;
  }
}

/**
 * `res` with another body, keeping the page's nonce (on the Response, where the renderer left
 * it): without it securityHeaders() would make a new one and the CSP would refuse the page's
 * own island scripts.
 */
export function copyResponse(res: Response, body: BodyInit | null): Response {
  const copy = new Response(body, res);
  const nonce = (res as unknown as Record<symbol, string | undefined>)[NONCE_SYMBOL];
  if (nonce !== undefined) (copy as unknown as Record<symbol, string>)[NONCE_SYMBOL] = nonce;
  return copy;
}

function isEmpty(h: Headers): boolean {
  for (const _ of h.keys()) return false;
  return true;
}
