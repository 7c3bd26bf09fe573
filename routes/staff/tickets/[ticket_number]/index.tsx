/**
 * `GET /staff/tickets/{ticket_number}`: what the customer reported (with the photos), the
 * workflow (status, assignee), the replies to the customer and the internal notes, oldest
 * first. Support and admins get the forms; viewers read. Another org's ticket is a 404.
 */
import { page } from "fresh";
import { TicketDetail, type TicketDetailData } from "@/components/staff/TicketDetail.tsx";
import { NotFoundError } from "@/lib/errors.ts";
import { getTicketForStaff, TRANSITIONS } from "@/lib/issues/workflow.ts";
import { listStaffMembers } from "@/lib/staff/members.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { can } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const { services, staff } = ctx.state;
    const view = await getTicketForStaff(services.kv, staff.actor, ctx.params.ticket_number);
    if (!view) throw new NotFoundError("No such ticket.");
    const members = await listStaffMembers(services.kv, staff.actor.org);
    ctx.state.title = staffMessages.t(ctx.state.locale, "ticket.title", {
      number: view.ticket.ticket_number,
    });
    return page<TicketDetailData>({
      view,
      assignees: members.filter((m) => can(m.role, "tickets.work")).map((m) => ({
        email: m.email,
        name: m.name ?? m.email,
      })),
      moves: [...TRANSITIONS[view.state.status]],
      canWork: can(staff.actor.role, "tickets.work"),
      notice: ctx.url.searchParams.get("notice"),
    });
  },
});

export default staffDefine.page<typeof handler>(function Ticket({ data, state }) {
  return <TicketDetail data={data} locale={state.locale} csrf={state.staff.csrfToken} />;
});
