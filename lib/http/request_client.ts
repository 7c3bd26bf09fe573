/**
 * What the portal believes about a request's client, decided once per request from the TCP
 * peer and `TRUSTED_PROXIES` (the rule is in `lib/access/client_ip.ts`): its address (the
 * bad-link limiter's key, the request log) and whether it came over HTTPS (HSTS, the `lang`
 * cookie's `Secure`).
 */
import {
  forwardedProto,
  isLoopbackAddress,
  resolveClient,
  type TrustedProxies,
} from "@/lib/access/client_ip.ts";

export interface RequestClient {
  address: string;
  https: boolean;
}

/** The TCP peer's IP address (a proxy's, behind one); undefined on a Unix socket. */
export function peerAddress(info: Deno.ServeHandlerInfo | undefined): string | undefined {
  const addr = info?.remoteAddr;
  return addr && "hostname" in addr ? addr.hostname : undefined;
}

export function requestClient(
  req: Request,
  info: Deno.ServeHandlerInfo | undefined,
  trusted: TrustedProxies,
): RequestClient {
  const { address, trustedHops } = resolveClient(
    req.headers.get("x-forwarded-for"),
    peerAddress(info),
    trusted,
  );
  const proto = forwardedProto(req.headers.get("x-forwarded-proto"), trustedHops);
  return { address, https: proto ? proto === "https" : new URL(req.url).protocol === "https:" };
}

/** Headers by which a proxy says it forwarded the request. */
const FORWARDING = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

/**
 * True for a request from this machine itself, for developer tools: the TCP peer is a
 * loopback address (the socket's, never a header's), no proxy header says it was forwarded
 * (a tunnel or reverse proxy on loopback would hand it to anyone), and the `Host` is a
 * loopback name or the configured public host (a DNS-rebinding page under another name is
 * refused).
 */
export function isFromThisMachine(
  req: Request,
  info: Deno.ServeHandlerInfo | undefined,
  publicBaseUrl: string,
): boolean {
  if (!isLoopbackAddress(peerAddress(info))) return false;
  if (FORWARDING.some((h) => req.headers.has(h))) return false;
  const host = (req.headers.get("host") ?? new URL(req.url).host).toLowerCase();
  const name = host.startsWith("[")
    ? host.slice(0, host.indexOf("]") + 1)
    : host.replace(/:\d+$/, "");
  if (name === "localhost" || name === "[::1]" || isLoopbackAddress(name)) return true;
  try {
    return host === new URL(publicBaseUrl).host;
  } catch {
    return false;
  }
}
