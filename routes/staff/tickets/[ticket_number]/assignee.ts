/** `POST /staff/tickets/{n}/assignee` (`assignee`: a member's email, or empty) → 303 back. */
import { assignTicket } from "@/lib/issues/workflow.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const value = (ctx.state.form?.assignee ?? "").trim();
    const n = ctx.params.ticket_number;
    const r = await assignTicket(ctx.state.services, ctx.state.staff.actor, n, value || null);
    return ctx.redirect(`/staff/tickets/${n}?notice=${r.changed ? "assigned" : "unchanged"}`, 303);
  },
});
