/** `POST /staff/team/role` (`email`, `role`): changes a member's role (not your own). */
import { z } from "zod";
import { NotFoundError, parseInput as parse } from "@/lib/errors.ts";
import { addStaffMember, getStaffMember, StaffEmail } from "@/lib/staff/members.ts";
import { StaffRoleSchema } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

const Form = z.object({ email: StaffEmail, role: StaffRoleSchema });

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { actor } = ctx.state.staff;
    const input = parse(Form, ctx.state.form ?? {});
    // A role change, never an invitation: the address must be a member already.
    if (!(await getStaffMember(ctx.state.services.kv, actor.org, input.email))) {
      throw new NotFoundError("No such member.");
    }
    await addStaffMember(ctx.state.services, actor, { org: actor.org, ...input });
    return ctx.redirect("/staff/team?notice=role", 303);
  },
});
