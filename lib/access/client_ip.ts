/**
 * The client address that bad-link requests are limited by.
 *
 * A peer on a public address is the client itself: its own `X-Forwarded-For` is whatever it
 * chose to send, so it is ignored (otherwise a flood could rotate the header to dodge the
 * limit). A peer on a loopback or private address is a reverse proxy or load balancer in
 * front of the portal, so the header's first hop (the original client, by convention) is
 * used. Without either, all such requests share one bucket, which only ever affects
 * requests that carry no valid link.
 */

const MAX_ADDRESS_LENGTH = 64;
const ADDRESS = /^[0-9A-Fa-f.:]+$/;

function isProxyPeer(addr: string): boolean {
  const a = addr.toLowerCase().replace(/^::ffff:/, "");
  if (a === "::1" || a.startsWith("127.") || a.startsWith("10.") || a.startsWith("192.168.")) {
    return true;
  }
  const m = a.match(/^172\.(\d+)\./);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  // IPv6 unique-local (fc00::/7) and link-local (fe80::/10).
  return /^f[cd][0-9a-f]{2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a);
}

function firstForwardedHop(header: string | null): string | null {
  if (!header) return null;
  let hop = header.split(",")[0].trim();
  // "[2001:db8::1]:443" or "203.0.113.7:5000" → the address alone.
  const bracketed = hop.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) hop = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(":"));
  if (!hop || hop.length > MAX_ADDRESS_LENGTH || !ADDRESS.test(hop)) return null;
  return hop.toLowerCase();
}

/**
 * `clientAddress("203.0.113.7, 10.0.0.1", "10.0.0.5")` → "203.0.113.7";
 * `clientAddress(anything, "203.0.113.9")` → "203.0.113.9". The first argument is the
 * `X-Forwarded-For` header's value (or null), the second the peer's address.
 */
export function clientAddress(forwardedFor: string | null, remoteAddr?: string): string {
  if (remoteAddr && !isProxyPeer(remoteAddr)) return remoteAddr.slice(0, MAX_ADDRESS_LENGTH);
  return firstForwardedHop(forwardedFor) ?? remoteAddr?.slice(0, MAX_ADDRESS_LENGTH) ?? "unknown";
}
