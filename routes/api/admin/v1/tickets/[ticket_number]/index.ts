/** `GET /api/admin/v1/tickets/{ticket_number}`: one ticket, its status and photo URLs. */
import { NotFoundError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { ticketView } from "@/lib/http/views.ts";
import { getTicket } from "@/lib/issues/tickets.ts";
import { getTicketState } from "@/lib/issues/workflow.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const { services, adminOrg } = ctx.state;
    const ticket = await getTicket(services.kv, adminOrg.slug, ctx.params.ticket_number);
    if (!ticket) throw new NotFoundError("No such ticket.");
    const { status } = await getTicketState(services.kv, ticket);
    return json(ticketView(ticket, services.config.publicBaseUrl, status), 200, {
      "cache-control": "no-store",
    });
  },
});
