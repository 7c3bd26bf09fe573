/**
 * `POST /staff/team/domain` (`domain` or empty, `role`): every verified address of that
 * domain may join with that role; an empty domain stops it.
 */
import { StaffRoleSchema } from "@/lib/staff/roles.ts";
import { parseInput } from "@/lib/errors.ts";
import { setAllowedDomain } from "@/lib/staff/members.ts";
import { z } from "zod";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { actor } = ctx.state.staff;
    const form = ctx.state.form ?? {};
    const { role } = parseInput(z.object({ role: StaffRoleSchema }), {
      role: form.role ?? "viewer",
    });
    const domain = (form.domain ?? "").trim();
    await setAllowedDomain(ctx.state.services, actor, actor.org, domain || null, role);
    return ctx.redirect("/staff/team?notice=domain", 303);
  },
});
