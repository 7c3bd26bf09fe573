/** `POST /staff/customers/{customer_ref}/links/revoke-all`: ends every link of the customer. */
import { revokeAllLinksForStaff } from "@/lib/staff/links.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const ref = ctx.params.customer_ref;
    await revokeAllLinksForStaff(ctx.state.services, ctx.state.staff.actor, ref);
    return ctx.redirect(
      `/staff/customers/${encodeURIComponent(ref)}?notice=revoked_all#links`,
      303,
    );
  },
});
