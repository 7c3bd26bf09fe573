/** `POST /staff/customers/{customer_ref}/links/{link_id}/revoke`: ends that one link → 303. */
import { revokeLinkForStaff } from "@/lib/staff/links.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { customer_ref: ref, link_id: id } = ctx.params;
    await revokeLinkForStaff(ctx.state.services, ctx.state.staff.actor, ref, id);
    return ctx.redirect(`/staff/customers/${encodeURIComponent(ref)}?notice=revoked#links`, 303);
  },
});
