/**
 * Integration logs (INT-003): every poll, carrier call and manual tracking update, kept 30
 * days (`expireIn`) and listed newest first.
 *
 *   ["integration_logs", org, id]       the org's rows (what the admin API lists)
 *   ["integration_logs_all", id]        every row, for the operator CLI without --org
 *   ["tracking_errors", org, carrier, id]     a failed call, kept 24 h (INT-001 errors_24h)
 *
 * `id` is time-ordered, so a reverse range read is newest first with no extra index. A row
 * holds the carrier, tracking numbers, outcome, latency and HTTP status of a call, never a
 * credential or token: the adapters never pass those to the call observer.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import type { CarrierId, TrackingStatus } from "@/lib/orders/model.ts";
import { timeOrderedId } from "@/lib/queue/ids.ts";
import type { Services } from "@/lib/services.ts";

export const LOG_TTL_MS = 30 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

export type LogKind = "poll" | "carrier_call" | "oauth" | "manual_update";

export interface IntegrationLogEntry {
  id: string;
  /** ISO time (the services clock). */
  at: string;
  org?: string;
  kind: LogKind;
  carrier: CarrierId;
  tracking_numbers: string[];
  /** "ok", a failure reason, or for polls e.g. "ok" / "partial" / "failed" / "skipped". */
  outcome: string;
  latency_ms?: number;
  http_status?: number;
  /** Short human text: counts, the carrier's error code, "circuit open". */
  detail?: string;
  /** The id sent with a carrier call (FedEx `x-customer-transaction-id`, UPS `transId`). */
  transaction_id?: string;
  order_number?: string;
  status?: TrackingStatus;
}

export type NewLogEntry = Omit<IntegrationLogEntry, "id" | "at">;

const SYSTEM = "_system";

const keys = {
  orgRow: (org: string, id: string): Deno.KvKey => ["integration_logs", org, id],
  orgRows: (org: string): Deno.KvKey => ["integration_logs", org],
  row: (id: string): Deno.KvKey => ["integration_logs_all", id],
  rows: (): Deno.KvKey => ["integration_logs_all"],
  error: (org: string, carrier: string, id: string): Deno.KvKey => [
    "tracking_errors",
    org,
    carrier,
    id,
  ],
  errors: (org: string, carrier: string): Deno.KvKey => ["tracking_errors", org, carrier],
};

/** Writes one log row (org rows are also listed for that org's admin API). */
export async function writeLog(services: Services, entry: NewLogEntry): Promise<void> {
  const id = timeOrderedId();
  const row: IntegrationLogEntry = { id, at: services.clock.now().toISOString(), ...entry };
  const op = services.kv.atomic()
    .set(keys.orgRow(entry.org ?? SYSTEM, id), row, { expireIn: LOG_TTL_MS })
    .set(keys.row(id), row, { expireIn: LOG_TTL_MS });
  const failed = entry.kind !== "poll" && entry.outcome !== "ok" && entry.outcome !== "not_found";
  if (failed && entry.org) {
    op.set(keys.error(entry.org, entry.carrier, id), Date.parse(row.at), {
      expireIn: DAY_MS,
    });
  }
  await op.commit();
}

/**
 * Records a manual (warehouse) tracking update; the admin events route calls this after
 * `addTrackingEvent`. Example: `logManualUpdate(services, "acme", {carrier: "manual",
 * order_number: "ORD-1", tracking_number: "PRO-1", status: "delivered"})`.
 */
export function logManualUpdate(
  services: Services,
  org: string,
  u: { carrier: CarrierId; order_number: string; tracking_number: string; status: TrackingStatus },
): Promise<void> {
  return writeLog(services, {
    org,
    kind: "manual_update",
    carrier: u.carrier,
    tracking_numbers: [u.tracking_number],
    order_number: u.order_number,
    status: u.status,
    outcome: "ok",
  });
}

/** Failed carrier calls for an org and carrier in the last 24 hours (capped at 10,000). */
export async function errorsLast24h(
  services: Services,
  org: string,
  carrier: CarrierId,
): Promise<number> {
  const since = services.clock.now().getTime() - DAY_MS;
  let total = 0;
  // Expiry is eventual, so the stored time is checked too.
  const iter = services.kv.list<number>({ prefix: keys.errors(org, carrier) }, {
    limit: 10_000,
  });
  for await (const e of iter) if (e.value >= since) total++;
  return total;
}

/** A cursor `listLogs` did not produce. */
export class InvalidLogCursorError extends MalformedInputError {
  constructor() {
    super("The cursor is not valid.");
  }
}

export interface LogPage {
  logs: IntegrationLogEntry[];
  next_cursor: string | null;
}

/**
 * One page of log rows, newest first: an org's rows, or every row when `org` is undefined.
 * `listLogs(kv, "acme", {limit: 50})`, then `{cursor: page.next_cursor}`.
 * Throws InvalidLogCursorError for a cursor this function did not produce.
 */
export async function listLogs(
  kv: Deno.Kv,
  org: string | undefined,
  opts: {
    cursor?: string;
    limit?: number;
    /** Only rows it accepts (the staff console's filters); at most `scanLimit` rows are read. */
    match?: (e: IntegrationLogEntry) => boolean;
    scanLimit?: number;
  } = {},
): Promise<LogPage> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const prefix = org === undefined ? keys.rows() : keys.orgRows(org);
  const logs: IntegrationLogEntry[] = [];
  const match = opts.match;
  let iter;
  let scanned = 0;
  let more = false;
  try {
    iter = kv.list<IntegrationLogEntry>({ prefix }, {
      reverse: true,
      limit: match ? opts.scanLimit ?? 5000 : limit,
      cursor: opts.cursor || undefined,
    });
    for await (const e of iter) {
      scanned++;
      if (match && !match(e.value)) continue;
      logs.push(e.value);
      if (logs.length === limit) {
        more = true;
        break;
      }
    }
  } catch (err) {
    if (opts.cursor) throw new InvalidLogCursorError();
    throw err;
  }
  if (match && scanned === (opts.scanLimit ?? 5000)) more = true;
  if (!match) more = logs.length === limit;
  return { logs, next_cursor: more && iter.cursor ? iter.cursor : null };
}
