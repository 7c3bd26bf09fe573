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
    const copy = new Response(res.body, res);
    mergeHeaders(copy.headers, extra);
    return copy;
  }
}

function isEmpty(h: Headers): boolean {
  for (const _ of h.keys()) return false;
  return true;
}
