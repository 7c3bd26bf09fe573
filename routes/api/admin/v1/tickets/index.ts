/** `GET /api/admin/v1/tickets?cursor=&limit=`: the org's support tickets, newest first. */
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { ticketView } from "@/lib/http/views.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { getTicketStates } from "@/lib/issues/workflow.ts";
import { adminDefine } from "@/lib/state.ts";

const ListQuery = pageQuery({ max: 100, default: 20 });

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const { services, adminOrg } = ctx.state;
    const q = readQuery(ctx.url, ListQuery);
    const page = await listTickets(services.kv, adminOrg.slug, q);
    const base = services.config.publicBaseUrl;
    const states = await getTicketStates(services.kv, page.tickets);
    return json(
      {
        tickets: page.tickets.map((t, i) => ticketView(t, base, states[i].status)),
        next_cursor: page.next_cursor,
      },
      200,
      { "cache-control": "no-store" },
    );
  },
});
