/** `POST /staff/signout` (with the session's CSRF token): ends the session → 303 to sign-in. */
import { developerSignOut } from "@/lib/http/developer_signin.ts";
import { staffClientIp } from "@/lib/http/staff_access.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { oidc, services, staff } = ctx.state;
    const ip = staffClientIp(ctx.req, ctx.info);
    if (oidc) return await oidc.signOut(ctx.req, { actor: staff.actor, peer: { ip } });
    return await developerSignOut(services, ctx.req, { role: staff.actor.role, ip });
  },
});
