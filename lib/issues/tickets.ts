/**
 * Support tickets created by issue reports. One module owns every ticket key:
 * - `["tickets", org, ticket_number]` the ticket; numbers are fixed-width
 *   (`TKT-2026-000123`), so a reverse range read lists an org's tickets newest first;
 * - `["ticket_seq", org, year]` the per-org, per-year counter;
 * - `["ticket_idem", org, customer_ref, sha256(key)]` → `{ticket_number, fingerprint}`, for
 *   Idempotency-Key: the key is bound to the request it first came with (lib/issues/idempotency.ts).
 *
 * Numbering without gaps or duplicates: the counter is read, and the next number is committed
 * in ONE atomic op with the ticket, guarded by the counter's versionstamp; a concurrent
 * submission that took the number first makes the commit fail and this one retries with the
 * next. Nothing increments the counter unless the ticket lands with it, so there are no gaps.
 * The same op claims the photos, checking each one's manifest is still the one uploaded (so
 * neither the blob sweep nor anything else can take a photo the ticket commits with), adds
 * them to the customer's photo quota, counts the confirmation email against its bounds and
 * enqueues the email job (so an acknowledged ticket always gets its emails, even if the
 * process dies right after).
 * It also writes the ticket's by-order and by-status index entries (lib/issues/ticket_index.ts).
 */
import type { BlobStore } from "@/lib/blobs/store.ts";
import { IdempotencyKeyReusedError, MalformedInputError } from "@/lib/errors.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { enqueueInAtomic } from "@/lib/queue/queue.ts";
import type { Locale } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import { holdConfirmation, reserveConfirmation } from "./confirmation_limits.ts";
import { chargePhotos, readPhotoQuota } from "./photo_quota.ts";
import type { IssueType } from "./rules.ts";
import { indexNewTicket } from "./ticket_index.ts";

export interface TicketPhoto {
  blob_id: string;
  /** Generated (`photo-1.jpg`); the client's file name is never stored or used. */
  name: string;
  type: "image/jpeg" | "image/png" | "application/pdf";
  size: number;
  sha256: string;
}

export interface Ticket {
  ticket_number: string;
  org: string;
  customer_ref: string;
  customer_name: string;
  order_number: string;
  issue_type: IssueType;
  description: string;
  contact_email: string;
  contact_phone?: string;
  photos: TicketPhoto[];
  /** The language the customer used to report: their confirmation email is in it. */
  locale: Locale;
  status: "open";
  created_at: string;
}

export type NewTicket = Omit<Ticket, "ticket_number" | "status" | "created_at">;

export const TICKET_EMAILS = "issues.ticket_emails";
export interface TicketEmailsPayload {
  org: string;
  ticket_number: string;
  /** False when the confirmation bounds were reached (absent in older messages: send it). */
  confirmation?: boolean;
}

const keys = {
  ticket: (org: string, number: string): Deno.KvKey => ["tickets", org, number],
  orgTickets: (org: string): Deno.KvKey => ["tickets", org],
  all: (): Deno.KvKey => ["tickets"],
  seq: (org: string, year: number): Deno.KvKey => ["ticket_seq", org, year],
  idem: (org: string, ref: string, hash: string): Deno.KvKey => ["ticket_idem", org, ref, hash],
};

/**
 * How long an Idempotency-Key keeps answering with its ticket: 24 hours, as Stripe keeps its
 * keys. Retries come within seconds or minutes; a day covers a phone that was offline.
 */
export const IDEMPOTENCY_MS = 24 * 3_600_000;
const MAX_ATTEMPTS = 200;

/** Six digits, more only past 999,999 tickets a year (bounded: a KV key is at most 2 KiB). */
export const TICKET_NUMBER = /^TKT-\d{4}-\d{6,9}$/;

export function formatTicketNumber(year: number, seq: number): string {
  return `TKT-${year}-${String(seq).padStart(6, "0")}`;
}

/** What an idempotency key is stored with; a bare ticket number was written before 2026-12. */
type IdempotencyRecord = { ticket_number: string; fingerprint: string } | string;

/** An Idempotency-Key and the fingerprint of the request it came with. */
export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
}

/** Whether this customer sent this idempotency key before (within its lifetime). */
export async function hasIdempotencyRecord(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  idempotencyKey: string,
): Promise<boolean> {
  const key = keys.idem(org, customerRef, await sha256Hex(idempotencyKey));
  return (await kv.get(key)).versionstamp !== null;
}

/**
 * The ticket an idempotency key already produced for this customer, or null; throws
 * IdempotencyKeyReusedError when it produced it for another request.
 */
export async function ticketForIdempotencyKey(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  idempotency: IdempotencyClaim,
): Promise<Ticket | null> {
  const key = keys.idem(org, customerRef, await sha256Hex(idempotency.key));
  return await earlierTicket(kv, org, (await kv.get<IdempotencyRecord>(key)).value, idempotency);
}

/** The record's ticket when it is this request's; a record of another request is refused. */
async function earlierTicket(
  kv: Deno.Kv,
  org: string,
  record: IdempotencyRecord | null,
  idempotency: IdempotencyClaim,
): Promise<Ticket | null> {
  if (record === null) return null;
  const number = typeof record === "string" ? record : record.ticket_number;
  const ticket = await getTicket(kv, org, number);
  if (!ticket) return null;
  // An older record has no fingerprint: it is honoured as it always was, for the day it lives.
  if (typeof record !== "string" && record.fingerprint !== idempotency.fingerprint) {
    throw new IdempotencyKeyReusedError(
      "This Idempotency-Key was already used for a different report; " +
        "send a new key for a new report.",
    );
  }
  return ticket;
}

export interface CreateTicketOptions {
  /** Makes retries safe: the same key and request get the first ticket, another request 422. */
  idempotency?: IdempotencyClaim;
  /** SHA-256 of the link the report came through: its confirmations are bounded per day. */
  link?: string;
}

/**
 * Creates a ticket with the org's next number, or returns the one this idempotency key
 * already created (`created: false`). The ticket, the counter, the idempotency record, the
 * photo claims and quota, the confirmation count and the email job commit together or not at
 * all. Throws IdempotencyKeyReusedError (the key's ticket is another request's), BlobGoneError
 * (a photo is gone) or OverPhotoQuotaError (the photos do not fit today's quota).
 *
 * @example
 * const { ticket } = await createTicket(services, blobs, input, {
 *   idempotency: { key: "k-1", fingerprint }, link: access.tokenHash,
 * });
 */
export async function createTicket(
  services: Services,
  blobs: BlobStore,
  input: NewTicket,
  opts: CreateTicketOptions = {},
): Promise<{ ticket: Ticket; created: boolean }> {
  const { kv, clock } = services;
  const idem = opts.idempotency;
  const idemKey = idem
    ? keys.idem(input.org, input.customer_ref, await sha256Hex(idem.key))
    : undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (idem && idemKey) {
      const seen = await kv.get<IdempotencyRecord>(idemKey);
      const existing = await earlierTicket(kv, input.org, seen.value, idem);
      if (existing) return { ticket: existing, created: false };
    }
    const now = clock.now();
    const year = now.getUTCFullYear();
    const seq = await kv.get<number>(keys.seq(input.org, year));
    const next = (seq.value ?? 0) + 1;
    const ticket: Ticket = {
      ...input,
      ticket_number: formatTicketNumber(year, next),
      status: "open",
      created_at: now.toISOString(),
    };
    const ticketKey = keys.ticket(input.org, ticket.ticket_number);
    const op = kv.atomic()
      .check({ key: seq.key, versionstamp: seq.versionstamp })
      .check({ key: ticketKey, versionstamp: null })
      .set(seq.key, next)
      .set(ticketKey, ticket);
    if (idem && idemKey) {
      const record: IdempotencyRecord = {
        ticket_number: ticket.ticket_number,
        fingerprint: idem.fingerprint,
      };
      op.check({ key: idemKey, versionstamp: null })
        .set(idemKey, record, { expireIn: IDEMPOTENCY_MS });
    }
    indexNewTicket(op, ticket);
    if (ticket.photos.length) {
      chargePhotos(
        op,
        await readPhotoQuota(services, input.org, input.customer_ref),
        ticket.photos,
      );
    }
    await blobs.claim(ticket.photos.map((p) => p.blob_id), op);
    const confirmation = opts.link
      ? await reserveConfirmation(services, { link: opts.link, address: input.contact_email })
      : undefined;
    if (confirmation) holdConfirmation(op, confirmation);
    enqueueInAtomic<TicketEmailsPayload>(services, op, TICKET_EMAILS, {
      org: input.org,
      ticket_number: ticket.ticket_number,
      confirmation: confirmation?.allowed ?? true,
    });
    const res = await op.commit();
    if (res.ok) return { ticket, created: true };
    // Lost a race (the number, the key, a quota or count, a photo): back off a little, retry.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 + attempt * 2)));
  }
  throw new Error("Could not allocate a ticket number: too much contention");
}

/** One ticket of an org, or null. `await getTicket(kv, "acme", "TKT-2026-000123")` */
export async function getTicket(kv: Deno.Kv, org: string, number: string): Promise<Ticket | null> {
  if (!TICKET_NUMBER.test(number)) return null;
  return (await kv.get<Ticket>(keys.ticket(org, number))).value;
}

/** Every ticket of every org (the one-off index back-fill, lib/issues/ticket_index.ts). */
export async function* allTickets(kv: Deno.Kv): AsyncGenerator<Ticket> {
  for await (const e of kv.list<Ticket>({ prefix: keys.all() })) yield e.value;
}

export interface TicketPage {
  tickets: Ticket[];
  next_cursor: string | null;
}

/** A cursor `listTickets` did not produce. */
export class InvalidTicketCursorError extends MalformedInputError {
  constructor() {
    super("The cursor is not valid.");
  }
}

/**
 * An org's tickets, newest first, cursor-paged (for the admin API and `ticket list`).
 * `await listTickets(kv, "acme", { limit: 20 })`
 */
export async function listTickets(
  kv: Deno.Kv,
  org: string,
  opts: {
    cursor?: string;
    limit?: number;
    /** Only tickets it accepts (the staff console's filters); at most `scanLimit` are read. */
    match?: (t: Ticket) => boolean;
    scanLimit?: number;
  } = {},
): Promise<TicketPage> {
  const limit = Math.max(1, Math.min(100, opts.limit ?? 20));
  if (opts.cursor !== undefined && !/^[A-Za-z0-9_+/=-]{1,2000}$/.test(opts.cursor)) {
    throw new InvalidTicketCursorError();
  }
  const tickets: Ticket[] = [];
  const { match } = opts;
  const scanLimit = opts.scanLimit ?? 5000;
  let iter: Deno.KvListIterator<Ticket>;
  let more = false;
  let scanned = 0;
  try {
    iter = kv.list<Ticket>({ prefix: keys.orgTickets(org) }, {
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
  } catch {
    throw new InvalidTicketCursorError();
  }
  if (match ? scanned === scanLimit : tickets.length === limit) more = true;
  const next = more ? iter.cursor : "";
  return { tickets, next_cursor: next || null };
}
