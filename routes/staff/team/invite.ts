/** `POST /staff/team/invite` (`email`, `role`): invites an address (or changes its role). */
import { z } from "zod";
import { parseInput } from "@/lib/errors.ts";
import { addStaffMember, StaffEmail } from "@/lib/staff/members.ts";
import { StaffRoleSchema } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

const Form = z.object({ email: StaffEmail, role: StaffRoleSchema });

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { actor } = ctx.state.staff;
    const input = parseInput(Form, ctx.state.form ?? {});
    await addStaffMember(ctx.state.services, actor, { org: actor.org, ...input });
    return ctx.redirect("/staff/team?notice=invited", 303);
  },
});
