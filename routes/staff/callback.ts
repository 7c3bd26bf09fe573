/**
 * `GET /staff/callback?code=&state=`: the redirect URI registered at the provider. Completes
 * the sign-in (lib/http/oidc.ts `handleCallback`) and 303s to where the sign-in started; a
 * refused sign-in is a `SignInError` (400/403/503), shown by the error page with "Try again".
 */
import { NotFoundError } from "@/lib/errors.ts";
import { staffClientIp } from "@/lib/http/staff_access.ts";
import { define } from "@/lib/state.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const { oidc } = ctx.state;
    if (!oidc) throw new NotFoundError("Not found");
    const result = await oidc.handleCallback(ctx.req, { ip: staffClientIp(ctx.req, ctx.info) });
    return result.response;
  },
});
