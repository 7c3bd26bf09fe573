/**
 * Who the client is, when proxies may stand in front of the portal: `TRUSTED_PROXIES` says
 * which peers are ours, and only those are believed about `X-Forwarded-For` and
 * `X-Forwarded-Proto`.
 *
 * The addresses of a request form a chain: the `X-Forwarded-For` hops, left to right, then
 * the TCP peer. Every proxy appends the address it received the request from, so only the
 * right-hand end is written by proxies we run; whatever a client sends sits to the left.
 * The client is therefore the right-most address that is not a trusted proxy: with a hop
 * count `n`, the `n`-th address left of the peer's end; with a list of networks, the first
 * address, walking left from the peer, outside them. A malformed hop (only a client writes
 * one) stops the walk at the last trusted address. With no trusted proxies (the default),
 * the client is the peer, whatever the headers say.
 *
 * `X-Forwarded-Proto` follows the same rule: the value written by the outermost trusted
 * proxy (the `k`-th from the right, for `k` trusted hops) says whether the client came over
 * HTTPS; from an untrusted peer it is ignored.
 */
import { convertIPv4ToBinary, convertIPv6ToBinary } from "hono/utils/ipaddr";

/** A network in CIDR form, as integers. */
interface Network {
  v4: boolean;
  base: bigint;
  mask: bigint;
}

/** Parsed `TRUSTED_PROXIES`: nobody, a number of proxy hops, or a list of networks. */
export type TrustedProxies =
  | { kind: "none" }
  | { kind: "hops"; hops: number }
  | { kind: "networks"; networks: Network[]; source: string };

export const NO_PROXIES: TrustedProxies = { kind: "none" };

const MAX_ADDRESS_LENGTH = 64;
/** Hops read from the right; a longer header is a client's padding. */
const MAX_HOPS = 32;

/** Names an operator may use in the list, as Express and nginx users know them. */
const NAMED: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
};

interface Address {
  v4: boolean;
  bits: bigint;
  /** As written (lower-cased, without brackets or port). */
  text: string;
}

/** `203.0.113.7`, `203.0.113.7:5000`, `2001:db8::1`, `[2001:db8::1]:443` → an address. */
export function parseAddress(raw: string): Address | null {
  let s = raw.trim().toLowerCase();
  if (!s || s.length > MAX_ADDRESS_LENGTH) return null;
  const bracketed = s.match(/^\[([^\]]+)\](?::\d{1,5})?$/);
  if (bracketed) s = bracketed[1];
  else if (/^[\d.]+:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  try {
    if (/^[\d.]+$/.test(s)) return { v4: true, bits: convertIPv4ToBinary(s), text: s };
    if (!/^[0-9a-f:.]+$/.test(s)) return null; // no zone ids: never in a forwarded header
    const bits = convertIPv6ToBinary(s);
    // An IPv4 peer on a dual-stack socket: `::ffff:10.0.0.1` is 10.0.0.1.
    if (bits >> 32n === 0xffffn) {
      return { v4: true, bits: bits & 0xffffffffn, text: s.replace(/^::ffff:/, "") };
    }
    return { v4: false, bits, text: s };
  } catch {
    return null;
  }
}

function parseNetwork(entry: string): Network {
  const [addr, prefix, extra] = entry.split("/");
  const a = parseAddress(addr);
  if (!a || extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
    throw new Error(`"${entry}" is not an IP address or CIDR network`);
  }
  const width = a.v4 ? 32 : 128;
  const p = prefix === undefined ? width : Number(prefix);
  if (p > width) throw new Error(`"${entry}" has a prefix longer than ${width} bits`);
  const mask = ((1n << BigInt(p)) - 1n) << BigInt(width - p);
  return { v4: a.v4, base: a.bits & mask, mask };
}

/**
 * `TRUSTED_PROXIES`: unset or `0` = none; a whole number = that many proxy hops in front
 * (`1` behind one load balancer); else a comma-separated list of addresses and CIDR networks
 * (`10.0.0.0/8, 2001:db8::/32`), where `loopback`, `private` and `linklocal` name the usual
 * ranges. Throws an Error saying what is wrong.
 */
export function parseTrustedProxies(raw: string | undefined): TrustedProxies {
  const value = raw?.trim() ?? "";
  if (value === "" || value === "0") return NO_PROXIES;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new Error("a hop count is at most 10");
    return { kind: "hops", hops };
  }
  const networks: Network[] = [];
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    for (const entry of NAMED[item.toLowerCase()] ?? [item]) networks.push(parseNetwork(entry));
  }
  if (networks.length === 0) throw new Error("no address or network given");
  return { kind: "networks", networks, source: value };
}

function inNetworks(a: Address, networks: Network[]): boolean {
  return networks.some((n) => n.v4 === a.v4 && (a.bits & n.mask) === n.base);
}

export interface ResolvedClient {
  /** The client's address, or "unknown" (one shared bucket). */
  address: string;
  /** How many addresses from the right were trusted proxies (0: the peer is the client). */
  trustedHops: number;
}

/**
 * Walks the chain from the peer leftwards. `peer` is undefined for a Unix socket, which only
 * a local proxy can use: trusted as one hop whenever any proxy is trusted.
 */
export function resolveClient(
  forwardedFor: string | null,
  peer: string | undefined,
  trusted: TrustedProxies,
): ResolvedClient {
  const peerAddr = peer === undefined ? null : parseAddress(peer);
  const peerText = peerAddr?.text ?? peer?.slice(0, MAX_ADDRESS_LENGTH) ?? "unknown";
  if (trusted.kind === "none") return { address: peerText, trustedHops: 0 };
  const peerTrusted = peer === undefined ||
    trusted.kind === "hops" ||
    (peerAddr !== null && inNetworks(peerAddr, trusted.networks));
  if (!peerTrusted) return { address: peerText, trustedHops: 0 };

  const hops = (forwardedFor ?? "").split(",").slice(-MAX_HOPS).map((h) => h.trim());
  if (hops.length === 1 && hops[0] === "") hops.pop();
  let last = peerText; // the last trusted address walked
  let trustedHops = 1;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseAddress(hops[i]);
    if (!hop) return { address: last, trustedHops };
    const isProxy = trusted.kind === "hops"
      ? trustedHops < trusted.hops
      : inNetworks(hop, trusted.networks);
    if (!isProxy) return { address: hop.text, trustedHops };
    last = hop.text;
    trustedHops++;
  }
  // Every address was a proxy (or the header was short): the left-most one is all we know.
  return { address: last, trustedHops };
}

/**
 * The bad-link limiter's key. `clientAddress("203.0.113.7, 10.0.0.1", "10.0.0.5",
 * parseTrustedProxies("private"))` → "203.0.113.7"; `clientAddress(anything, "203.0.113.9",
 * NO_PROXIES)` → "203.0.113.9". The first argument is the `X-Forwarded-For` value (or null).
 */
export function clientAddress(
  forwardedFor: string | null,
  remoteAddr: string | undefined,
  trusted: TrustedProxies,
): string {
  return resolveClient(forwardedFor, remoteAddr, trusted).address;
}

/**
 * The scheme the client used according to the trusted proxies, or null when no trusted
 * proxy said (then the connection's own scheme counts): the `k`-th value from the right of
 * `X-Forwarded-Proto` for `k` trusted hops, the left-most if there are fewer values.
 */
export function forwardedProto(
  forwardedProto: string | null,
  trustedHops: number,
): "http" | "https" | null {
  if (trustedHops === 0 || !forwardedProto) return null;
  const values = forwardedProto.split(",").slice(-MAX_HOPS).map((v) => v.trim().toLowerCase());
  const value = values[Math.max(0, values.length - trustedHops)];
  return value === "https" || value === "http" ? value : null;
}

/** True for 127.0.0.0/8 and ::1 (and their IPv4-mapped form). */
export function isLoopbackAddress(addr: string | undefined): boolean {
  const a = addr === undefined ? null : parseAddress(addr);
  if (!a) return false;
  return a.v4 ? a.bits >> 24n === 127n : a.bits === 1n;
}
