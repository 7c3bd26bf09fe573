/**
 * The two ticket indexes, written with the ticket (lib/issues/tickets.ts) and kept current
 * by the workflow (lib/issues/workflow.ts) in the same atomic operations:
 * - `["ticket_by_order", org, customer_ref, order_number, ticket_number]` → `{created_at}`:
 *   a customer's tickets for one order, the customer API's and order page's "Your reports".
 *   The customer is part of the key, so a listing can only ever see that customer's tickets.
 * - `["ticket_by_status", org, status, ticket_number]` → `TicketSummary`: the staff list
 *   filtered by status, newest first, in one range read (the summary is the whole row).
 *
 * `indexExistingTickets` adds the entries of tickets created before these indexes existed.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import type { IssueType } from "./rules.ts";
import { allTickets, type Ticket } from "./tickets.ts";
import type { TicketState, TicketStatus } from "./workflow.ts";

/** One row of the staff ticket list. */
export interface TicketSummary {
  ticket_number: string;
  org: string;
  customer_ref: string;
  customer_name: string;
  order_number: string;
  issue_type: IssueType;
  status: TicketStatus;
  assignee: string | null;
  created_at: string;
  updated_at: string;
}

const keys = {
  byOrder: (org: string, ref: string, order: string, number: string): Deno.KvKey => [
    "ticket_by_order",
    org,
    ref,
    order,
    number,
  ],
  orderPrefix: (org: string, ref: string, order: string): Deno.KvKey => [
    "ticket_by_order",
    org,
    ref,
    order,
  ],
  byStatus: (org: string, status: TicketStatus, number: string): Deno.KvKey => [
    "ticket_by_status",
    org,
    status,
    number,
  ],
  statusPrefix: (org: string, status: TicketStatus): Deno.KvKey => [
    "ticket_by_status",
    org,
    status,
  ],
};

export function summaryOf(
  ticket: Ticket,
  state: { status: TicketStatus; assignee: string | null; updated_at: string },
): TicketSummary {
  return {
    ticket_number: ticket.ticket_number,
    org: ticket.org,
    customer_ref: ticket.customer_ref,
    customer_name: ticket.customer_name,
    order_number: ticket.order_number,
    issue_type: ticket.issue_type,
    status: state.status,
    assignee: state.assignee,
    created_at: ticket.created_at,
    updated_at: state.updated_at,
  };
}

/** Adds a new ticket's index entries to the ticket's own atomic operation. */
export function indexNewTicket(op: Deno.AtomicOperation, ticket: Ticket): void {
  op.set(
    keys.byOrder(ticket.org, ticket.customer_ref, ticket.order_number, ticket.ticket_number),
    { created_at: ticket.created_at },
  );
  op.set(
    keys.byStatus(ticket.org, "open", ticket.ticket_number),
    summaryOf(ticket, { status: "open", assignee: null, updated_at: ticket.created_at }),
  );
}

/**
 * Adds a workflow change's index entries to the change's own atomic operation: the ticket
 * moves to its new status's index (with a fresh summary), and gets its by-order entry
 * (idempotent: makes every touched ticket visible by order, old tickets included).
 */
export function indexTicketChange(
  op: Deno.AtomicOperation,
  ticket: Ticket,
  before: TicketStatus,
  after: Pick<TicketState, "status" | "assignee" | "updated_at">,
): void {
  const { org, ticket_number: number } = ticket;
  if (before !== after.status) op.delete(keys.byStatus(org, before, number));
  op.set(keys.byStatus(org, after.status, number), summaryOf(ticket, after))
    .set(keys.byOrder(org, ticket.customer_ref, ticket.order_number, number), {
      created_at: ticket.created_at,
    });
}

/** At most this many tickets per order are listed (a customer reporting more is support's). */
export const MAX_TICKETS_PER_ORDER = 50;

/** The numbers of a customer's tickets for one order, oldest first. */
export async function ticketNumbersForOrder(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  orderNumber: string,
): Promise<string[]> {
  const out: string[] = [];
  const iter = kv.list({ prefix: keys.orderPrefix(org, customerRef, orderNumber) }, {
    limit: MAX_TICKETS_PER_ORDER,
  });
  for await (const e of iter) out.push(String(e.key[4]));
  return out;
}

/** A cursor `listTicketsByStatus` did not produce (a 400). */
export class InvalidTicketIndexCursorError extends MalformedInputError {
  constructor() {
    super("The cursor is not valid.");
  }
}

/**
 * An org's tickets in one status, newest first, cursor-paged.
 * `await listTicketsByStatus(kv, "acme", "open", { limit: 20 })`
 * Throws InvalidTicketIndexCursorError for a cursor this function did not produce.
 */
export async function listTicketsByStatus(
  kv: Deno.Kv,
  org: string,
  status: TicketStatus,
  opts: {
    cursor?: string;
    limit?: number;
    /** Only rows it accepts (the staff console's filters); at most `scanLimit` are read. */
    match?: (t: TicketSummary) => boolean;
    scanLimit?: number;
  } = {},
): Promise<{ tickets: TicketSummary[]; next_cursor: string | null }> {
  const limit = Math.max(1, Math.min(100, opts.limit ?? 20));
  const { match } = opts;
  const scanLimit = opts.scanLimit ?? 5000;
  const tickets: TicketSummary[] = [];
  let iter: Deno.KvListIterator<TicketSummary>;
  let more = false;
  let scanned = 0;
  try {
    iter = kv.list<TicketSummary>({ prefix: keys.statusPrefix(org, status) }, {
      limit: match ? scanLimit : limit,
      reverse: true,
      cursor: opts.cursor || undefined,
    });
    for await (const e of iter) {
      scanned++;
      if (match && !match(e.value)) continue;
      tickets.push(e.value);
      if (tickets.length === limit) {
        more = true;
        break;
      }
    }
  } catch (err) {
    if (opts.cursor) throw new InvalidTicketIndexCursorError();
    throw err;
  }
  if (match ? scanned === scanLimit : tickets.length === limit) more = true;
  const next = more ? iter.cursor : "";
  return { tickets, next_cursor: next || null };
}

/** How many tickets of an org are in each status (each count capped at `cap`). */
export async function countTicketsByStatus(
  kv: Deno.Kv,
  org: string,
  statuses: readonly TicketStatus[],
  cap = 10_000,
): Promise<Record<TicketStatus, number>> {
  const counts = await Promise.all(statuses.map(async (status) => {
    let n = 0;
    for await (const _ of kv.list({ prefix: keys.statusPrefix(org, status) }, { limit: cap })) n++;
    return [status, n] as const;
  }));
  return Object.fromEntries(counts) as Record<TicketStatus, number>;
}

/**
 * Writes the index entries missing for tickets created before the indexes existed. Such a
 * ticket is `open` with no workflow change (every workflow change writes the order entry,
 * so a ticket that has one is skipped). Safe to run again; returns how many it indexed.
 */
export async function indexExistingTickets(kv: Deno.Kv): Promise<number> {
  let count = 0;
  for await (const t of allTickets(kv)) {
    const orderKey = keys.byOrder(t.org, t.customer_ref, t.order_number, t.ticket_number);
    if ((await kv.get(orderKey)).versionstamp !== null) continue;
    const op = kv.atomic().check({ key: orderKey, versionstamp: null });
    indexNewTicket(op, t);
    if ((await op.commit()).ok) count++;
  }
  return count;
}
