/**
 * The staff console's ticket list: filters (status, type, order, customer), paging and the
 * count per status, always within the actor's org. The workflow itself (status, assignee,
 * notes, replies) is lib/issues/workflow.ts.
 */
import { z } from "zod";
import { ISSUE_TYPES } from "@/lib/issues/rules.ts";
import {
  countTicketsByStatus,
  listTicketsByStatus,
  summaryOf,
  type TicketSummary,
} from "@/lib/issues/ticket_index.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { getTicketStates, TICKET_STATUSES, type TicketStatus } from "@/lib/issues/workflow.ts";
import type { Services } from "@/lib/services.ts";
import { requirePermission, type StaffActor } from "./roles.ts";

export const TicketFilters = z.object({
  status: z.enum(TICKET_STATUSES).optional().catch(undefined),
  type: z.enum(ISSUE_TYPES).optional().catch(undefined),
  order: z.string().trim().max(64).optional().catch(undefined),
  customer: z.string().trim().max(200).optional().catch(undefined),
  cursor: z.string().max(2000).optional().catch(undefined),
});
export type TicketFilters = z.infer<typeof TicketFilters>;

export interface TicketListPage {
  tickets: TicketSummary[];
  next_cursor: string | null;
  counts: Record<TicketStatus, number>;
}

const PAGE = 25;

/**
 * One page of the org's tickets, newest first, as filtered; `counts` is per status over the
 * whole org (the filter bar shows them).
 *
 * @example
 * const page = await listTicketsForStaff(services, actor, { status: "open", type: "damaged" });
 */
export async function listTicketsForStaff(
  services: Services,
  actor: StaffActor,
  filters: TicketFilters,
): Promise<TicketListPage> {
  requirePermission(actor, "console.view");
  const { kv } = services;
  const order = filters.order?.toLowerCase() || undefined;
  const customer = filters.customer?.toLowerCase() || undefined;
  const matches = (
    t: { issue_type: string; order_number: string; customer_ref: string; customer_name: string },
  ) =>
    (!filters.type || t.issue_type === filters.type) &&
    (!order || t.order_number.toLowerCase().includes(order)) &&
    (!customer || t.customer_ref.toLowerCase().includes(customer) ||
      t.customer_name.toLowerCase().includes(customer));
  const filtered = filters.type || order || customer;
  const counts = countTicketsByStatus(kv, actor.org, TICKET_STATUSES);
  if (filters.status) {
    const page = await listTicketsByStatus(kv, actor.org, filters.status, {
      cursor: filters.cursor,
      limit: PAGE,
      ...(filtered ? { match: matches } : {}),
    });
    return { ...page, counts: await counts };
  }
  const page = await listTickets(kv, actor.org, {
    cursor: filters.cursor,
    limit: PAGE,
    ...(filtered ? { match: matches } : {}),
  });
  const states = await getTicketStates(kv, page.tickets);
  return {
    tickets: page.tickets.map((t, i) => summaryOf(t, states[i])),
    next_cursor: page.next_cursor,
    counts: await counts,
  };
}
