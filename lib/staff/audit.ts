/**
 * The audit log of staff actions: who (email, role, how signed in), what (action, target,
 * a few details), when, and from where (client address, user agent).
 *
 * Keys: `["staff_audit", org, id]` with time-ordered ids, so a reverse range read lists an
 * org's entries newest first. An action writes its entry in the action's own atomic
 * operation (`auditInAtomic`), so an action is logged if and only if it happened.
 *
 * Retention: 400 days (`expireIn`), i.e. a full year for annual access reviews plus a month
 * of slack, the usual floor for audit trails (PCI DSS 10.5.1 asks for 12 months). After that
 * an entry is removed; an org that needs longer exports the listing. Entries never hold a
 * token, a session id, a reply's or a note's text: only ids and short values.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import { timeOrderedId } from "@/lib/queue/ids.ts";
import type { Services } from "@/lib/services.ts";
import { type ActorVia, requirePermission, type StaffActor, type StaffRole } from "./roles.ts";

export const AUDIT_RETENTION_MS = 400 * 24 * 3_600_000;

export const AUDIT_ACTIONS = [
  "session.sign_in",
  "session.sign_out",
  "staff.add",
  "staff.update",
  "staff.remove",
  "staff.domain",
  "ticket.status",
  "ticket.assign",
  "ticket.note",
  "ticket.reply",
  "link.create",
  "link.send",
  "link.revoke",
  "link.revoke_all",
  "dead_letter.resend",
] as const;
export type AuditAction = typeof AUDIT_ACTIONS[number];

type DetailValue = string | number | boolean | null;

export interface AuditEntry {
  id: string;
  org: string;
  at: string;
  actor: { email?: string; role?: StaffRole; via: ActorVia };
  action: AuditAction;
  target?: {
    type: "staff" | "ticket" | "session" | "domain" | "link" | "customer" | "dead_letter";
    id: string;
  };
  detail?: Record<string, DetailValue>;
  ip?: string;
  user_agent?: string;
}

/** What an action says about itself; the id, time and actor fields are filled in here. */
export interface NewAuditEntry {
  action: AuditAction;
  target?: AuditEntry["target"];
  detail?: Record<string, DetailValue>;
}

/** The operator CLI, for actions not done through the console. */
export const CLI_ACTOR = { via: "cli" } as const;

const keys = {
  entry: (org: string, id: string): Deno.KvKey => ["staff_audit", org, id],
  org: (org: string): Deno.KvKey => ["staff_audit", org],
};

const MAX_UA = 300;
const MAX_DETAIL = 200;

function entryFor(
  services: Services,
  org: string,
  actor: Partial<StaffActor> & { via: ActorVia },
  e: NewAuditEntry,
): AuditEntry {
  const detail = e.detail
    ? Object.fromEntries(
      Object.entries(e.detail).map((
        [k, v],
      ) => [k, typeof v === "string" ? v.slice(0, MAX_DETAIL) : v]),
    )
    : undefined;
  const entry: AuditEntry = {
    id: timeOrderedId(),
    org,
    at: services.clock.now().toISOString(),
    actor: {
      via: actor.via,
      ...(actor.email ? { email: actor.email } : {}),
      ...(actor.role ? { role: actor.role } : {}),
    },
    action: e.action,
    ...(e.target ? { target: e.target } : {}),
    ...(detail ? { detail } : {}),
    ...(actor.ip ? { ip: actor.ip.slice(0, 64) } : {}),
    ...(actor.userAgent ? { user_agent: actor.userAgent.slice(0, MAX_UA) } : {}),
  };
  return entry;
}

/**
 * Adds the audit entry to the caller's atomic operation (logged iff the action commits).
 *
 * @example
 * const op = kv.atomic().check(entry).set(key, next);
 * auditInAtomic(services, op, actor.org, actor, { action: "ticket.status", target });
 */
export function auditInAtomic(
  services: Services,
  op: Deno.AtomicOperation,
  org: string,
  actor: Partial<StaffActor> & { via: ActorVia },
  e: NewAuditEntry,
): AuditEntry {
  const entry = entryFor(services, org, actor, e);
  op.set(keys.entry(org, entry.id), entry, { expireIn: AUDIT_RETENTION_MS });
  return entry;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_cursor: string | null;
}

/** A cursor `listAudit` did not produce (a 400). */
export class InvalidAuditCursorError extends MalformedInputError {
  constructor() {
    super("The cursor is not valid.");
  }
}

/**
 * An org's audit entries, newest first, cursor-paged.
 * `await listAudit(kv, "acme", { limit: 50 })`
 * Throws InvalidAuditCursorError for a cursor this function did not produce.
 */
export async function listAudit(
  kv: Deno.Kv,
  org: string,
  opts: { cursor?: string; limit?: number } = {},
): Promise<AuditPage> {
  const limit = Math.max(1, Math.min(200, opts.limit ?? 50));
  const entries: AuditEntry[] = [];
  let iter: Deno.KvListIterator<AuditEntry>;
  try {
    iter = kv.list<AuditEntry>({ prefix: keys.org(org) }, {
      limit,
      reverse: true,
      cursor: opts.cursor || undefined,
    });
    for await (const e of iter) entries.push(e.value);
  } catch (err) {
    if (opts.cursor) throw new InvalidAuditCursorError();
    throw err;
  }
  const next = entries.length === limit ? iter.cursor : "";
  return { entries, next_cursor: next || null };
}

/** The audit log for the console: admins of the org only (it holds colleagues' addresses). */
export function auditForStaff(
  kv: Deno.Kv,
  actor: StaffActor,
  opts: { cursor?: string; limit?: number } = {},
): Promise<AuditPage> {
  requirePermission(actor, "audit.view");
  return listAudit(kv, actor.org, opts);
}
