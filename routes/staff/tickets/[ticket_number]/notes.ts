/** `POST /staff/tickets/{n}/notes` (`body`): an internal note, never shown to the customer. */
import { addInternalNote } from "@/lib/issues/workflow.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const n = ctx.params.ticket_number;
    await addInternalNote(ctx.state.services, ctx.state.staff.actor, n, ctx.state.form?.body ?? "");
    return ctx.redirect(`/staff/tickets/${n}?notice=note#activity`, 303);
  },
});
