/** `POST /staff/dead-letters/{id}/resend`: queues the message again (rendered anew) → 303. */
import { resendDeadLetterForStaff } from "@/lib/staff/operations.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async POST(ctx) {
    const id = ctx.params.id;
    await resendDeadLetterForStaff(ctx.state.services, ctx.state.staff.actor, id);
    return ctx.redirect(`/staff/dead-letters/${encodeURIComponent(id)}?notice=resent`, 303);
  },
});
