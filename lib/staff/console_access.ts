/**
 * How staff may sign in to the console, decided from the configuration and the request's
 * peer: a pure function, so every case is a unit test.
 *
 * - `OIDC_ISSUER` (with `OIDC_CLIENT_ID`) set: the company's OpenID Connect provider, always
 *   (even in development: one sign-in path when one is configured).
 * - Not set, in production (`DENO_ENV=production` or on Deno Deploy): the console is off.
 * - Not set, in development: a clearly labelled developer sign-in, only for a request from
 *   this machine: the TCP peer is a loopback address, no proxy header says it was forwarded
 *   (a tunnel or reverse proxy on loopback would otherwise hand it to the internet), and the
 *   `Host` is a loopback name (a DNS-rebinding page at another name cannot use it).
 */
import type { Config } from "@/lib/config.ts";
import { ForbiddenError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { type AdmitResult, upsertDeveloperMember } from "./members.ts";
import type { StaffRole } from "./roles.ts";

export type ConsoleSignIn =
  | { mode: "oidc" }
  | { mode: "developer" }
  | { mode: "off"; reason: "not_configured" | "not_local" };

/** What the decision needs of a request (lib/http/peer.ts reads it from one). */
export interface PeerInfo {
  /** The TCP peer's address (`ctx.info.remoteAddr.hostname`). */
  remoteAddr?: string;
  /** The `Host` header. */
  host?: string | null;
  /** True when the request carries `Forwarded`, `X-Forwarded-For` or `X-Real-IP`. */
  forwarded: boolean;
}

type SignInConfig = Pick<
  Config,
  "OIDC_ISSUER" | "OIDC_CLIENT_ID" | "DENO_ENV" | "DENO_DEPLOYMENT_ID"
>;

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.toLowerCase().replace(/^\[|\]$/g, "");
  if (a === "::1" || a === "0:0:0:0:0:0:0:1") return true;
  const v4 = a.replace(/^::ffff:/, "");
  const m = v4.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  return m !== null && m[1] === "127" && m.slice(2).every((p) => Number(p) <= 255);
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string | null | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d+$/, "");
  if (name === "localhost") return true;
  return isLoopbackAddress(name);
}

/**
 * `consoleSignIn(config, { remoteAddr: "127.0.0.1", host: "localhost:8000", forwarded: false })`
 * → `{mode: "developer"}` without OIDC in development.
 */
export function consoleSignIn(config: SignInConfig, peer: PeerInfo): ConsoleSignIn {
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID) return { mode: "oidc" };
  const production = config.DENO_ENV === "production" || config.DENO_DEPLOYMENT_ID !== undefined;
  if (production) return { mode: "off", reason: "not_configured" };
  const local = isLoopbackAddress(peer.remoteAddr) && !peer.forwarded && isLoopbackHost(peer.host);
  return local ? { mode: "developer" } : { mode: "off", reason: "not_local" };
}

/** The identity of the developer sign-in: never a real provider's issuer. */
export const DEVELOPER_ISSUER = "urn:monopilot:developer-sign-in";
export const DEVELOPER_EMAIL = "developer@localhost";
/** The label every page shows for a developer session. */
export const DEVELOPER_LABEL = "Developer sign-in (local only, not for production)";

/**
 * Signs the local developer in as a member of `org` with `role`, creating or updating the
 * member `developer@localhost`. Refuses unless `decision` (from `consoleSignIn` for this
 * very request) allows the developer sign-in, so a route cannot skip the check.
 */
export async function admitDeveloper(
  services: Services,
  decision: ConsoleSignIn,
  input: { org: string; role: StaffRole },
): Promise<Extract<AdmitResult, { ok: true }>> {
  if (decision.mode !== "developer") {
    throw new ForbiddenError("The developer sign-in is not available for this request.");
  }
  const member = await upsertDeveloperMember(services, {
    ...input,
    email: DEVELOPER_EMAIL,
    issuer: DEVELOPER_ISSUER,
    subject: "developer",
    name: "Developer",
  });
  return { ok: true, member, orgs: [input.org] };
}
