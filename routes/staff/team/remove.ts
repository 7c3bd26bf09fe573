/** `POST /staff/team/remove` (`email`): removes a member and ends their sessions at once. */
import { NotFoundError } from "@/lib/errors.ts";
import { removeStaffMember } from "@/lib/staff/members.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { actor } = ctx.state.staff;
    const email = ctx.state.form?.email ?? "";
    const removed = await removeStaffMember(ctx.state.services, actor, actor.org, email);
    if (!removed) throw new NotFoundError("No such member.");
    return ctx.redirect("/staff/team?notice=removed", 303);
  },
});
