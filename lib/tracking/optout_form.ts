/**
 * The order page's "Shipment emails" form (POST /customer/{token}/notifications): its fields
 * and where it may send the browser back to. Reading the post and the cross-site check are
 * HTTP and live in `lib/http/forms.ts` and `lib/http/origin.ts`.
 */
import { z } from "zod";

export const NOTICES = ["emails_off", "emails_on"] as const;
export type Notice = typeof NOTICES[number];
/** `?notice=` on the page after the redirect; anything else is ignored. */
export const NoticeParam = z.enum(NOTICES);

export const OptOutForm = z.object({
  shipment_emails: z.enum(["off", "on"]),
  return_to: z.string().max(2000).optional(),
});
export type OptOutFormInput = z.infer<typeof OptOutForm>;

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
