/**
 * The order page's "Shipment emails" form (POST /customer/{token}/notifications): its fields,
 * where it may send the browser back to, and the cross-site check.
 *
 * The link token is the capability, so a third site cannot build a working form without it;
 * the cross-site check (lib/http/origin.ts) is defence in depth for a leaked link.
 */
import { z } from "zod";
import { HttpError } from "@/lib/http/errors.ts";

export const NOTICES = ["emails_off", "emails_on"] as const;
export type Notice = typeof NOTICES[number];
/** `?notice=` on the page after the redirect; anything else is ignored. */
export const NoticeParam = z.enum(NOTICES);

export const OptOutForm = z.object({
  shipment_emails: z.enum(["off", "on"]),
  return_to: z.string().max(2000).optional(),
});
export type OptOutFormInput = z.infer<typeof OptOutForm>;

/** The form is two short fields; anything bigger is not ours. */
export const MAX_FORM_BYTES = 8 * 1024;

const BASE = "http://portal.invalid";

/**
 * `return_to` when it is a path under this same link (`/customer/{token}` or below), as a
 * URL to add the notice to; otherwise null. Absolute URLs, `//host`, backslashes, control
 * characters and dot segments that climb out of the link are all refused.
 */
export function sameLinkReturn(token: string, value: string | undefined): URL | null {
  const ReturnTo = z.string().min(1).max(2000).startsWith("/").refine(
    (v) => !v.startsWith("//") && !v.includes("\\") && !hasControlChar(v),
  );
  const parsed = ReturnTo.safeParse(value);
  if (!parsed.success) return null;
  let url: URL;
  try {
    url = new URL(parsed.data, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const home = `/customer/${encodeURIComponent(token)}`;
  if (url.pathname !== home && !url.pathname.startsWith(home + "/")) return null;
  return url;
}

// The URL parser silently drops tabs and newlines, so refuse them before it sees them.
function hasControlChar(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Where the 303 goes: `return_to` (or the link's dashboard) with `?notice=`. */
export function redirectTarget(token: string, returnTo: string | undefined, notice: Notice) {
  const url = sameLinkReturn(token, returnTo) ??
    new URL(`/customer/${encodeURIComponent(token)}`, BASE);
  url.searchParams.set("notice", notice);
  return url.pathname + url.search + url.hash;
}

// The cross-site check is shared with the staff console (lib/http/origin.ts).
export { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";

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
    throw new HttpError(415, "unsupported_media_type", "Send the form as a web form.");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_FORM_BYTES) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const bytes = await readBounded(req);
  const out: Record<string, string> = {};
  try {
    const entries = urlencoded
      ? new URLSearchParams(new TextDecoder().decode(bytes))
      : await new Response(bytes, { headers: { "content-type": type } }).formData();
    for (const [k, v] of entries) {
      if (typeof v === "string" && !(k in out)) out[k] = v;
    }
  } catch {
    throw new HttpError(400, "bad_request", "The form could not be read.");
  }
  return out;
}

async function readBounded(req: Request): Promise<Uint8Array<ArrayBuffer>> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_FORM_BYTES) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "bad_request", "The request body could not be read.");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge() {
  return new HttpError(413, "payload_too_large", `Forms are limited to ${MAX_FORM_BYTES} bytes.`);
}
