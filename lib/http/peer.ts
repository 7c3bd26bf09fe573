/** What the staff console's sign-in decision needs to know about a request's peer. */
import type { PeerInfo } from "@/lib/staff/console_access.ts";

const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

/** `peerInfo(ctx.req, ctx.info.remoteAddr.hostname)` for `consoleSignIn`. */
export function peerInfo(req: Request, remoteAddr?: string): PeerInfo {
  return {
    remoteAddr,
    host: req.headers.get("host") ?? new URL(req.url).host,
    forwarded: FORWARDING_HEADERS.some((h) => req.headers.has(h)),
  };
}
