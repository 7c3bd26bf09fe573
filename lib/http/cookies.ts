/**
 * Reading and writing the portal's own cookies, on Hono's cookie parser and serializer
 * (which also enforces the `__Host-` rules: Secure, Path=/, no Domain).
 *
 * Staff cookies are `__Host-` cookies: HttpOnly (no script reads them), Secure, SameSite=Lax
 * (sent on the top-level GET back from the provider, not on another site's POST) and bound
 * to this exact host. Browsers accept Secure cookies from http://localhost, so the developer
 * sign-in works on `deno task start`.
 */
import { parse, serialize } from "hono/utils/cookie";

export type HostCookieName = `__Host-${string}`;

/** The cookie's value, or undefined. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.get("cookie");
  if (!header) return undefined;
  return parse(header, name)[name];
}

/** `Set-Cookie` value for a staff cookie that lives `maxAgeSeconds`. */
export function hostCookie(name: HostCookieName, value: string, maxAgeSeconds: number): string {
  return serialize(name, value, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

/** `Set-Cookie` value that removes a staff cookie. */
export function clearHostCookie(name: HostCookieName): string {
  return hostCookie(name, "", 0);
}
