/**
 * Is a state-changing request from one of the portal's own pages? Used by every browser form
 * (the customer's shipment-email switch, the staff console) before anything else.
 *
 * It trusts `Sec-Fetch-Site` first: the portal sends `Referrer-Policy: no-referrer`, and with
 * that policy browsers send `Origin: null` on a same-origin form POST, so `null` cannot be
 * read as "foreign".
 */

/**
 * True when the browser says the request came from another site. `Sec-Fetch-Site` must be
 * `same-origin` (or `none`, a user's own navigation) when present; `Origin`, when present
 * and not `null`, must be one of the portal's own origins. Without either header (old
 * clients, curl) the caller's own credential check alone decides.
 */
export function isCrossSite(req: Request, ownOrigins: readonly string[]): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.get("origin");
  if (origin === null || origin === "null") return false;
  return !ownOrigins.includes(origin);
}

/** The portal's origins as seen by a browser: this request's, and the configured public one. */
export function ownOrigins(requestUrl: URL, publicBaseUrl: string): string[] {
  const out = [requestUrl.origin, `https://${requestUrl.host}`];
  try {
    out.push(new URL(publicBaseUrl).origin);
  } catch {
    // A bad PUBLIC_BASE_URL is refused by loadConfig; nothing to add here.
  }
  return out;
}
