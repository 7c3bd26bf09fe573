/**
 * `POST /staff/dev-signin` (`org`, `role`, `return_to`): the local developer sign-in, only
 * without `OIDC_ISSUER`, in development, from this machine (lib/http/developer_signin.ts);
 * anywhere else a 404.
 */
import { developerSignIn } from "@/lib/http/developer_signin.ts";
import { readSmallForm } from "@/lib/http/forms.ts";
import { peerAddress } from "@/lib/http/staff_access.ts";
import { define } from "@/lib/state.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const form = await readSmallForm(ctx.req);
    return await developerSignIn(ctx.state.services, ctx.req, peerAddress(ctx.info), form);
  },
});
