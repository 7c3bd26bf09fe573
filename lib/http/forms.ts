/**
 * Small HTML form posts (the order page's "Shipment emails" form): a bounded reader and the
 * cross-site check.
 *
 * The link token is the capability, so a third site cannot build a working form without it;
 * the cross-site check is defence in depth for a leaked link. It trusts `Sec-Fetch-Site`
 * first: the portal sends `Referrer-Policy: no-referrer`, and with that policy browsers send
 * `Origin: null` on a same-origin form POST, so `null` cannot be read as "foreign".
 */
import { MalformedInputError, TooLargeError, UnsupportedTypeError } from "@/lib/errors.ts";
import { readBodyBytes } from "@/lib/http/body.ts";

/** Our forms are a few short fields; anything bigger is not ours. */
export const MAX_FORM_BYTES = 8 * 1024;

/**
 * True when the browser says the request came from another site. `Sec-Fetch-Site` must be
 * `same-origin` (or `none`, a user's own navigation) when present; `Origin`, when present
 * and not `null`, must be one of the portal's own origins. Without either header (old
 * clients, curl) the link token alone decides.
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

const tooLarge = () => new TooLargeError(`Forms are limited to ${MAX_FORM_BYTES} bytes.`);

/**
 * Reads the urlencoded or multipart form body, bounded to MAX_FORM_BYTES, as plain strings.
 * Bad or oversized bodies are 400/413/415, never a 500.
 */
export async function readSmallForm(req: Request): Promise<Record<string, string>> {
  // Lower-cased for the check only: a multipart boundary is case-sensitive.
  const type = req.headers.get("content-type") ?? "";
  const lower = type.toLowerCase();
  const urlencoded = lower.startsWith("application/x-www-form-urlencoded");
  if (!urlencoded && !lower.startsWith("multipart/form-data")) {
    await req.body?.cancel().catch(() => {});
    throw new UnsupportedTypeError("Send the form as a web form.");
  }
  if (Number(req.headers.get("content-length") ?? "0") > MAX_FORM_BYTES) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const bytes = await readBodyBytes(req, MAX_FORM_BYTES, tooLarge);
  const out: Record<string, string> = {};
  try {
    const entries = urlencoded
      ? new URLSearchParams(new TextDecoder().decode(bytes))
      : await new Response(bytes, { headers: { "content-type": type } }).formData();
    for (const [k, v] of entries) {
      if (typeof v === "string" && !(k in out)) out[k] = v;
    }
  } catch {
    throw new MalformedInputError("The form could not be read.");
  }
  return out;
}
