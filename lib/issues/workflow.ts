/**
 * The support workflow of a ticket: status, assignee, internal notes and replies to the
 * customer. The ticket itself (lib/issues/tickets.ts) is what the customer reported and never
 * changes; everything staff do lives here, under this module's own keys:
 * - `["ticket_state", org, ticket_number]` status, assignee, counts (absent = open, nobody);
 * - `["ticket_notes", org, ticket_number, id]` internal notes: staff only;
 * - `["ticket_replies", org, ticket_number, id]` replies to the customer;
 * - `["ticket_history", org, ticket_number, id]` status and assignee changes.
 * Notes and replies have separate prefixes, so the customer's listing reads replies only and
 * cannot show a note by mistake.
 *
 * Every change is one atomic operation guarded by the state's versionstamp: the state, the
 * record, the status index (lib/issues/ticket_index.ts), the audit entry and, for a reply
 * or a resolve, the customer's email job, all commit together or not at all. The email job
 * (lib/issues/workflow_emails.ts) sends with an idempotency key per reply and per resolve,
 * so each is emailed exactly once however often the queue delivers it.
 *
 * Every function takes the acting staff member and works in the actor's org only: another
 * org's ticket is "not found", never readable or writable.
 */
import { z } from "zod";
import { ConflictError, InvalidInputError, NotFoundError, parseInput } from "@/lib/errors.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { enqueueInAtomic } from "@/lib/queue/queue.ts";
import { timeOrderedId } from "@/lib/queue/ids.ts";
import type { Services } from "@/lib/services.ts";
import { auditInAtomic } from "@/lib/staff/audit.ts";
import { getStaffMember } from "@/lib/staff/members.ts";
import { can, requirePermission, type StaffActor } from "@/lib/staff/roles.ts";
import type { IssueType } from "./rules.ts";
import { indexTicketChange, ticketNumbersForOrder } from "./ticket_index.ts";
import { getTicket, type Ticket } from "./tickets.ts";

export const TICKET_STATUSES = ["open", "in_progress", "waiting_on_customer", "resolved"] as const;
export type TicketStatus = typeof TICKET_STATUSES[number];
export const TicketStatusSchema = z.enum(TICKET_STATUSES);

/**
 * Allowed moves. Any open state may be resolved; a resolved ticket may be reopened (back
 * to the queue, or straight to work); waiting on the customer goes back to work when they
 * answer (by email, to the support address).
 */
export const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ["in_progress", "waiting_on_customer", "resolved"],
  in_progress: ["open", "waiting_on_customer", "resolved"],
  waiting_on_customer: ["in_progress", "resolved"],
  resolved: ["open", "in_progress"],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface TicketState {
  status: TicketStatus;
  /** The staff member's email, or null. */
  assignee: string | null;
  updated_at: string;
  /** Who changed the ticket last (staff email); null while untouched. */
  updated_by: string | null;
  /** When it was last resolved; null while not resolved. */
  resolved_at: string | null;
  note_count: number;
  reply_count: number;
}

export interface InternalNote {
  id: string;
  ticket_number: string;
  author_email: string;
  author_name: string;
  body: string;
  created_at: string;
}

export interface StaffReply {
  id: string;
  ticket_number: string;
  author_email: string;
  /** What the customer sees as the author: the staff member's name, else the org's. */
  author_name: string;
  body: string;
  created_at: string;
  /** The ticket's status when the reply was posted (its email says it). */
  status: TicketStatus;
}

export interface HistoryEntry {
  id: string;
  at: string;
  actor_email: string;
  kind: "status" | "assignee";
  from: string | null;
  to: string | null;
}

/** A reply or a note: plain text, trimmed, 1–5,000 characters. */
export const MessageBody = z.string().trim().min(1, "Write something.").max(
  5000,
  "Keep it to 5,000 characters or fewer.",
);

/** Bounds that keep a ticket's reads small (the customer's listing reads all replies). */
export const MAX_REPLIES = 100;
export const MAX_NOTES = 200;

export const WORKFLOW_EMAIL = "issues.workflow_email";
export interface WorkflowEmailPayload {
  org: string;
  ticket_number: string;
  kind: "reply" | "resolved";
  /** The reply id, or the history entry of the resolve: one email each. */
  event_id: string;
}

const keys = {
  state: (org: string, n: string): Deno.KvKey => ["ticket_state", org, n],
  note: (org: string, n: string, id: string): Deno.KvKey => ["ticket_notes", org, n, id],
  notes: (org: string, n: string): Deno.KvKey => ["ticket_notes", org, n],
  reply: (org: string, n: string, id: string): Deno.KvKey => ["ticket_replies", org, n, id],
  replies: (org: string, n: string): Deno.KvKey => ["ticket_replies", org, n],
  history: (org: string, n: string, id: string): Deno.KvKey => ["ticket_history", org, n, id],
  histories: (org: string, n: string): Deno.KvKey => ["ticket_history", org, n],
};

/** No such ticket in the actor's org (another org's is not found either): a 404. */
export class TicketNotFoundError extends NotFoundError {}
/** The move is not in TRANSITIONS from the ticket's current status: a 422 naming `status`. */
export class InvalidTransitionError extends InvalidInputError {
  constructor(readonly from: TicketStatus, readonly to: TicketStatus) {
    const message = `A ticket cannot go from ${from} to ${to}.`;
    super({ status: [message] }, message);
  }
}
/** The assignee is not a member of this org who may work tickets: a 422 naming `assignee`. */
export class InvalidAssigneeError extends InvalidInputError {
  constructor(message: string) {
    super({ assignee: [message] }, message);
  }
}
/** A ticket has reached MAX_REPLIES or MAX_NOTES: a 422 naming `body`. */
export class TicketLimitError extends InvalidInputError {
  constructor(message: string) {
    super({ body: [message] }, message);
  }
}
/** Other changes kept landing first (a 409); the same request may succeed if sent again. */
export class WorkflowConflictError extends ConflictError {}

/** A reply's or a note's text; InvalidInputError naming `body` when it is empty or too long. */
function parseBody(body: string): string {
  return parseInput(z.object({ body: MessageBody }), { body }).body;
}

function initialState(ticket: Ticket): TicketState {
  return {
    status: "open",
    assignee: null,
    updated_at: ticket.created_at,
    updated_by: null,
    resolved_at: null,
    note_count: 0,
    reply_count: 0,
  };
}

/** The ticket's workflow state (the initial one if nobody touched it yet). */
export async function getTicketState(
  kv: Deno.Kv,
  ticket: Ticket,
): Promise<TicketState> {
  return (await kv.get<TicketState>(keys.state(ticket.org, ticket.ticket_number))).value ??
    initialState(ticket);
}

/** The workflow states of several tickets of one org, in order (getMany, 10 keys a read). */
export async function getTicketStates(kv: Deno.Kv, tickets: Ticket[]): Promise<TicketState[]> {
  const reads = [];
  for (let i = 0; i < tickets.length; i += 10) {
    reads.push(kv.getMany<TicketState[]>(
      tickets.slice(i, i + 10).map((t) => keys.state(t.org, t.ticket_number)),
    ));
  }
  const entries = (await Promise.all(reads)).flat();
  return tickets.map((t, i) => entries[i].value ?? initialState(t));
}

const MAX_ATTEMPTS = 20;

interface Change {
  next: TicketState;
  /** Adds the change's own records to the operation. */
  write: (op: Deno.AtomicOperation) => void;
}

/**
 * Reads the ticket and its state, lets `decide` compute the change, and commits it with the
 * state's versionstamp check, the status index and the audit entry; retries when another
 * change landed in between (`decide` sees the fresh state). `decide` returning null means
 * nothing to do.
 */
async function change(
  services: Services,
  actor: StaffActor,
  number: string,
  decide: (ticket: Ticket, state: TicketState, now: string) => Change | null,
  audit: (ticket: Ticket, before: TicketState, after: TicketState) => Parameters<
    typeof auditInAtomic
  >[4],
): Promise<{ ticket: Ticket; state: TicketState; changed: boolean }> {
  const { kv, clock } = services;
  const ticket = await getTicket(kv, actor.org, number);
  // The same words whether the number is unknown or another org's: nothing to tell apart.
  if (!ticket) throw new TicketNotFoundError("No such ticket.");
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const entry = await kv.get<TicketState>(keys.state(actor.org, number));
    const before = entry.value ?? initialState(ticket);
    const c = decide(ticket, before, clock.now().toISOString());
    if (!c) return { ticket, state: before, changed: false };
    const op = kv.atomic().check(entry).set(keys.state(actor.org, number), c.next);
    indexTicketChange(op, ticket, before.status, c.next);
    c.write(op);
    auditInAtomic(services, op, actor.org, actor, audit(ticket, before, c.next));
    if ((await op.commit()).ok) return { ticket, state: c.next, changed: true };
  }
  throw new WorkflowConflictError("The ticket is changing too often; try again.");
}

/**
 * Moves a ticket to `to`. Moving to the status it has is a no-op (`changed: false`, no
 * email), so a double-submitted form does nothing twice. Resolving queues the customer's
 * "resolved" email in the same atomic operation.
 *
 * @example
 * await changeTicketStatus(services, actor, "TKT-2026-000123", "resolved");
 */
export async function changeTicketStatus(
  services: Services,
  actor: StaffActor,
  number: string,
  to: TicketStatus,
): Promise<{ state: TicketState; changed: boolean }> {
  requirePermission(actor, "tickets.work");
  parseInput(z.object({ status: TicketStatusSchema }), { status: to });
  const r = await change(services, actor, number, (ticket, state, now) => {
    if (state.status === to) return null;
    if (!canTransition(state.status, to)) throw new InvalidTransitionError(state.status, to);
    const id = timeOrderedId();
    const next: TicketState = {
      ...state,
      status: to,
      updated_at: now,
      updated_by: actor.email,
      resolved_at: to === "resolved" ? now : null,
    };
    return {
      next,
      write(op) {
        const entry: HistoryEntry = {
          id,
          at: now,
          actor_email: actor.email,
          kind: "status",
          from: state.status,
          to,
        };
        op.set(keys.history(actor.org, number, id), entry);
        if (to === "resolved") {
          enqueueInAtomic<WorkflowEmailPayload>(services, op, WORKFLOW_EMAIL, {
            org: actor.org,
            ticket_number: ticket.ticket_number,
            kind: "resolved",
            event_id: id,
          });
        }
      },
    };
  }, (_t, before, after) => ({
    action: "ticket.status",
    target: { type: "ticket", id: number },
    detail: { from: before.status, to: after.status },
  }));
  return { state: r.state, changed: r.changed };
}

/**
 * Assigns the ticket to a staff member of the actor's org who may work tickets (support or
 * admin), or unassigns it with null.
 */
export async function assignTicket(
  services: Services,
  actor: StaffActor,
  number: string,
  assigneeEmail: string | null,
): Promise<{ state: TicketState; changed: boolean }> {
  requirePermission(actor, "tickets.work");
  let assignee: string | null = null;
  if (assigneeEmail !== null) {
    const member = await getStaffMember(services.kv, actor.org, assigneeEmail);
    if (!member || !can(member.role, "tickets.work")) {
      throw new InvalidAssigneeError("Assign the ticket to a support or admin member of this org.");
    }
    assignee = member.email;
  }
  const r = await change(services, actor, number, (_ticket, state, now) => {
    if (state.assignee === assignee) return null;
    const id = timeOrderedId();
    return {
      next: { ...state, assignee, updated_at: now, updated_by: actor.email },
      write(op) {
        const entry: HistoryEntry = {
          id,
          at: now,
          actor_email: actor.email,
          kind: "assignee",
          from: state.assignee,
          to: assignee,
        };
        op.set(keys.history(actor.org, number, id), entry);
      },
    };
  }, (_t, before, after) => ({
    action: "ticket.assign",
    target: { type: "ticket", id: number },
    detail: { from: before.assignee, to: after.assignee },
  }));
  return { state: r.state, changed: r.changed };
}

/** Adds an internal note: staff see it on the ticket, the customer never does. */
export async function addInternalNote(
  services: Services,
  actor: StaffActor,
  number: string,
  body: string,
): Promise<InternalNote> {
  requirePermission(actor, "tickets.work");
  const text = parseBody(body);
  let note: InternalNote | undefined;
  await change(services, actor, number, (_ticket, state, now) => {
    if (state.note_count >= MAX_NOTES) {
      throw new TicketLimitError("This ticket has too many notes.");
    }
    note = {
      id: timeOrderedId(),
      ticket_number: number,
      author_email: actor.email,
      author_name: actor.name?.trim() || actor.email,
      body: text,
      created_at: now,
    };
    const n = note;
    return {
      next: {
        ...state,
        note_count: state.note_count + 1,
        updated_at: now,
        updated_by: actor.email,
      },
      write: (op) => op.set(keys.note(actor.org, number, n.id), n),
    };
  }, () => ({
    action: "ticket.note",
    target: { type: "ticket", id: number },
    detail: { note_id: note!.id },
  }));
  return note!;
}

/**
 * Posts a reply to the customer: shown under "Your reports" on the order page and in the
 * customer API, and emailed to the report's contact address in the report's language (the
 * email job is queued in the same atomic operation, and sent once).
 *
 * @example
 * await replyToCustomer(services, actor, "TKT-2026-000123", "We are sending replacements.");
 */
export async function replyToCustomer(
  services: Services,
  actor: StaffActor,
  number: string,
  body: string,
): Promise<StaffReply> {
  requirePermission(actor, "tickets.work");
  const text = parseBody(body);
  // The customer sees the staff member's name, or the org's: never a staff email address.
  const author = actor.name?.trim() || (await getOrg(services.kv, actor.org))?.name || "Support";
  let reply: StaffReply | undefined;
  await change(services, actor, number, (ticket, state, now) => {
    if (state.reply_count >= MAX_REPLIES) {
      throw new TicketLimitError("This ticket has too many replies.");
    }
    reply = {
      id: timeOrderedId(),
      ticket_number: number,
      author_email: actor.email,
      author_name: author,
      body: text,
      created_at: now,
      status: state.status,
    };
    const r = reply;
    return {
      next: {
        ...state,
        reply_count: state.reply_count + 1,
        updated_at: now,
        updated_by: actor.email,
      },
      write(op) {
        op.set(keys.reply(actor.org, number, r.id), r);
        enqueueInAtomic<WorkflowEmailPayload>(services, op, WORKFLOW_EMAIL, {
          org: actor.org,
          ticket_number: ticket.ticket_number,
          kind: "reply",
          event_id: r.id,
        });
      },
    };
  }, () => ({
    action: "ticket.reply",
    target: { type: "ticket", id: number },
    detail: { reply_id: reply!.id },
  }));
  return reply!;
}

async function listAll<T>(kv: Deno.Kv, prefix: Deno.KvKey, limit: number): Promise<T[]> {
  const out: T[] = [];
  for await (const e of kv.list<T>({ prefix }, { limit })) out.push(e.value);
  return out;
}

/** One reply of a ticket (for its email job), or null. */
export async function getReply(
  kv: Deno.Kv,
  org: string,
  number: string,
  replyId: string,
): Promise<StaffReply | null> {
  return (await kv.get<StaffReply>(keys.reply(org, number, replyId))).value;
}

export interface StaffTicketView {
  ticket: Ticket;
  state: TicketState;
  notes: InternalNote[];
  replies: StaffReply[];
  history: HistoryEntry[];
}

/** Everything staff see of a ticket, oldest first; null for no such ticket in the actor's org. */
export async function getTicketForStaff(
  kv: Deno.Kv,
  actor: StaffActor,
  number: string,
): Promise<StaffTicketView | null> {
  requirePermission(actor, "console.view");
  const ticket = await getTicket(kv, actor.org, number);
  if (!ticket) return null;
  const [state, notes, replies, history] = await Promise.all([
    getTicketState(kv, ticket),
    listAll<InternalNote>(kv, keys.notes(actor.org, number), MAX_NOTES),
    listAll<StaffReply>(kv, keys.replies(actor.org, number), MAX_REPLIES),
    listAll<HistoryEntry>(kv, keys.histories(actor.org, number), 500),
  ]);
  return { ticket, state, notes, replies, history };
}

/** A ticket as its customer sees it: no notes, no staff emails, no contact details. */
export interface CustomerTicket {
  ticket_number: string;
  order_number: string;
  issue_type: IssueType;
  description: string;
  status: TicketStatus;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  replies: Array<{ reply_id: string; author_name: string; body: string; created_at: string }>;
}

/**
 * A customer's tickets for one order, oldest first, with their status and the staff replies:
 * the customer API's `GET …/orders/{order_id}/tickets` and the order page's "Your reports".
 *
 * @example
 * const tickets = await listCustomerOrderTickets(kv, access.org.slug, access.customer.ref, "ORD-1");
 */
export async function listCustomerOrderTickets(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  orderNumber: string,
): Promise<CustomerTicket[]> {
  const numbers = await ticketNumbersForOrder(kv, org, customerRef, orderNumber);
  const out = await Promise.all(numbers.map(async (n): Promise<CustomerTicket | null> => {
    const ticket = await getTicket(kv, org, n);
    // The index names the customer; the ticket must agree (defence in depth).
    if (!ticket || ticket.customer_ref !== customerRef || ticket.order_number !== orderNumber) {
      return null;
    }
    const [state, replies] = await Promise.all([
      getTicketState(kv, ticket),
      listAll<StaffReply>(kv, keys.replies(org, n), MAX_REPLIES),
    ]);
    return {
      ticket_number: ticket.ticket_number,
      order_number: ticket.order_number,
      issue_type: ticket.issue_type,
      description: ticket.description,
      status: state.status,
      created_at: ticket.created_at,
      updated_at: state.updated_at,
      resolved_at: state.resolved_at,
      replies: replies.map((r) => ({
        reply_id: r.id,
        author_name: r.author_name,
        body: r.body,
        created_at: r.created_at,
      })),
    };
  }));
  return out.filter((t): t is CustomerTicket => t !== null);
}
