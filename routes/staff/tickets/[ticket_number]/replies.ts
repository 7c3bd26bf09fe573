/**
 * `POST /staff/tickets/{n}/replies` (`body`): a reply to the customer, shown on their order
 * page and emailed to the report's contact address through the queue → 303 back.
 */
import { replyToCustomer } from "@/lib/issues/workflow.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const n = ctx.params.ticket_number;
    await replyToCustomer(ctx.state.services, ctx.state.staff.actor, n, ctx.state.form?.body ?? "");
    return ctx.redirect(`/staff/tickets/${n}?notice=reply#activity`, 303);
  },
});
