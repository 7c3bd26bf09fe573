/** `POST /staff/tickets/{n}/status` (`status`): moves the ticket → 303 back to it. */
import { changeTicketStatus, TicketStatusSchema } from "@/lib/issues/workflow.ts";
import { parseInput } from "@/lib/errors.ts";
import { z } from "zod";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const { status } = parseInput(z.object({ status: TicketStatusSchema }), ctx.state.form ?? {});
    const n = ctx.params.ticket_number;
    const r = await changeTicketStatus(ctx.state.services, ctx.state.staff.actor, n, status);
    return ctx.redirect(`/staff/tickets/${n}?notice=${r.changed ? "status" : "unchanged"}`, 303);
  },
});
