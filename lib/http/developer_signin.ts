/**
 * The local developer sign-in: without `OIDC_ISSUER`, in development, for a request made on
 * this machine (lib/staff/console_access.ts decides), a form signs the developer in as
 * `developer@localhost` with a chosen org and role, so `deno task start` shows the console.
 * It shares the session store and cookie with the OIDC sign-in; pages label such a session
 * with `DEVELOPER_LABEL`. Anywhere else it does not exist (404).
 */
import { ForbiddenError, InvalidInputError, NotFoundError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { admitDeveloper, consoleSignIn, DEVELOPER_ISSUER } from "@/lib/staff/console_access.ts";
import { type StaffRole, StaffRoleSchema } from "@/lib/staff/roles.ts";
import { createSession, endSession } from "@/lib/staff/sessions.ts";
import { clearHostCookie, readCookie } from "@/lib/http/cookies.ts";
import { safeStaffReturn, STAFF_SESSION_COOKIE, staffSessionCookie } from "@/lib/http/oidc.ts";
import { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";
import { peerInfo } from "@/lib/http/peer.ts";

/**
 * Handles the developer sign-in form (POST): `org`, `role`, `return_to`. 303 to the console
 * with a new session; 404 where the developer sign-in is off; 403 cross-site; 422 bad input.
 *
 * @example
 * // POST /staff/dev-signin
 * return await developerSignIn(services, ctx.req, ctx.info.remoteAddr.hostname, form);
 */
export async function developerSignIn(
  services: Services,
  req: Request,
  remoteAddr: string | undefined,
  form: { org?: string; role?: string; return_to?: string },
): Promise<Response> {
  const decision = consoleSignIn(services.config, peerInfo(req, remoteAddr));
  if (decision.mode !== "developer") throw new NotFoundError("Not found");
  if (isCrossSite(req, ownOrigins(new URL(req.url), services.config.publicBaseUrl))) {
    throw new ForbiddenError("Cross-site requests are refused.");
  }
  const role = StaffRoleSchema.safeParse(form.role);
  const org = typeof form.org === "string" && form.org.length <= 40
    ? await getOrg(services.kv, form.org)
    : null;
  if (!role.success || !org) {
    throw new InvalidInputError({
      ...(org ? {} : { org: ["Choose an existing org."] }),
      ...(role.success ? {} : { role: ["Role: admin, support or viewer."] }),
    }, "Choose an org and a role.");
  }
  const { member } = await admitDeveloper(services, decision, { org: org.slug, role: role.data });
  const { sessionId } = await createSession(services, {
    org: member.org,
    email: member.email,
    name: member.name,
    via: "developer",
    issuer: DEVELOPER_ISSUER,
    subject: member.subject!,
    role: member.role,
    ip: remoteAddr,
    userAgent: req.headers.get("user-agent") ?? undefined,
  }, { replaces: readCookie(req, STAFF_SESSION_COOKIE) });
  const headers = new Headers({
    location: safeStaffReturn(form.return_to),
    "cache-control": "no-store",
  });
  headers.append("set-cookie", staffSessionCookie(services.config, sessionId));
  return new Response(null, { status: 303, headers });
}

/**
 * Sign-out without an OpenID provider configured (the developer sign-in): ends this
 * browser's session, audited, and clears its cookie; 303 to the sign-in page.
 */
export async function developerSignOut(
  services: Services,
  req: Request,
  opts: { role?: StaffRole; ip?: string } = {},
): Promise<Response> {
  const id = readCookie(req, STAFF_SESSION_COOKIE);
  if (id) {
    await endSession(services, id, {
      audit: {
        role: opts.role,
        ip: opts.ip,
        userAgent: req.headers.get("user-agent") ?? undefined,
      },
    });
  }
  const headers = new Headers({
    location: "/staff/signin?signed_out=1",
    "cache-control": "no-store",
  });
  headers.append("set-cookie", clearHostCookie(STAFF_SESSION_COOKIE));
  return new Response(null, { status: 303, headers });
}
