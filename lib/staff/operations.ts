/**
 * What operations staff watch and fix: integration status (INT-001) with email delivery,
 * the integration logs (INT-003) with filters, and dead letters (inspect, re-send). All in
 * the actor's org only.
 */
import { z } from "zod";
import { type EmailStats, emailStats } from "@/lib/email/stats.ts";
import { CARRIERS } from "@/lib/orders/model.ts";
import {
  countDeadLetters,
  type DeadLetter,
  type DeadLetterPage,
  getDeadLetter,
  listDeadLetters,
} from "@/lib/queue/dead_letters.ts";
import { resendDeadLetter } from "@/lib/queue/dead_letter_ops.ts";
import type { Services } from "@/lib/services.ts";
import {
  type IntegrationLogEntry,
  listLogs,
  type LogPage,
} from "@/lib/tracking/integration_log.ts";
import { type CarrierStatus, getIntegrationStatus } from "@/lib/tracking/status.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { auditInAtomic } from "./audit.ts";
import { requirePermission, type StaffActor } from "./roles.ts";

export interface IntegrationsView {
  carriers: CarrierStatus[];
  email: EmailStats & { dead_letters: number };
}

export async function integrationsForStaff(
  services: Services,
  actor: StaffActor,
): Promise<IntegrationsView> {
  requirePermission(actor, "console.view");
  const [carriers, stats, dead] = await Promise.all([
    getIntegrationStatus(services, actor.org),
    emailStats(services.kv, actor.org),
    countDeadLetters(services.kv, actor.org, services.clock.now()),
  ]);
  return { carriers, email: { ...stats, dead_letters: dead } };
}

export const LOG_OUTCOMES = ["ok", "failed", "not_found", "partial", "skipped"] as const;

/** The log filters as a query string gives them; anything unreadable is no filter. */
export const LogFilters = z.object({
  carrier: z.enum(CARRIERS).optional().catch(undefined),
  /** `ok`, `error` (anything but ok and not_found), or an outcome the log wrote. */
  outcome: z.string().trim().regex(/^[a-z_]{1,40}$/).optional().catch(undefined),
  order: z.string().trim().max(64).optional().catch(undefined),
  tracking: z.string().trim().max(64).optional().catch(undefined),
  /** `YYYY-MM-DD` or a local `YYYY-MM-DDTHH:MM` (read as UTC). */
  from: z.string().trim().max(32).optional().catch(undefined),
  to: z.string().trim().max(32).optional().catch(undefined),
  cursor: z.string().max(2000).optional().catch(undefined),
});
export type LogFilters = z.infer<typeof LogFilters>;

function instant(value: string | undefined, endOfDay: boolean): number | undefined {
  if (!value) return undefined;
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00"}Z`
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)
    ? `${value}:00Z`
    : value;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The predicate for these filters, or undefined when none is set. */
export function logMatcher(f: LogFilters): ((e: IntegrationLogEntry) => boolean) | undefined {
  const from = instant(f.from, false);
  const to = instant(f.to, true);
  const order = f.order?.toLowerCase() || undefined;
  const tracking = f.tracking?.toUpperCase().replace(/\s+/g, "") || undefined;
  if (!f.carrier && !f.outcome && !order && !tracking && from === undefined && to === undefined) {
    return undefined;
  }
  return (e) => {
    if (f.carrier && e.carrier !== f.carrier) return false;
    if (f.outcome === "error") {
      if (e.outcome === "ok" || e.outcome === "not_found") return false;
    } else if (f.outcome && e.outcome !== f.outcome) return false;
    if (order && !(e.order_number ?? "").toLowerCase().includes(order)) return false;
    if (tracking && !e.tracking_numbers.some((n) => n.toUpperCase().includes(tracking))) {
      return false;
    }
    const at = Date.parse(e.at);
    if (from !== undefined && at < from) return false;
    if (to !== undefined && at > to) return false;
    return true;
  };
}

export async function logsForStaff(
  services: Services,
  actor: StaffActor,
  filters: LogFilters,
): Promise<LogPage> {
  requirePermission(actor, "console.view");
  const match = logMatcher(filters);
  return await listLogs(services.kv, actor.org, {
    cursor: filters.cursor,
    limit: 50,
    ...(match ? { match } : {}),
  });
}

export async function deadLettersForStaff(
  services: Services,
  actor: StaffActor,
  cursor?: string,
): Promise<DeadLetterPage> {
  requirePermission(actor, "console.view");
  return await listDeadLetters(services.kv, {
    org: actor.org,
    limit: 50,
    cursor,
    now: services.clock.now(),
  });
}

/** One dead letter of the actor's org (its listing view; never the re-send copy). */
export async function deadLetterForStaff(
  services: Services,
  actor: StaffActor,
  id: string,
): Promise<Omit<DeadLetter, "resend"> & { resendable: boolean }> {
  requirePermission(actor, "console.view");
  const found = await getDeadLetter(services.kv, actor.org, id, services.clock.now());
  if (!found) throw new NotFoundError("No such dead letter.");
  const { resend, ...rest } = found.letter;
  return { ...rest, resendable: resend !== undefined && !rest.resent };
}

/** Re-sends a dead letter (support, admin); audited in the same atomic operation. */
export async function resendDeadLetterForStaff(
  services: Services,
  actor: StaffActor,
  id: string,
): Promise<{ message_id: string }> {
  requirePermission(actor, "emails.resend");
  return await resendDeadLetter(services, actor.org, id, {
    by: actor.email,
    also: (op) =>
      auditInAtomic(services, op, actor.org, actor, {
        action: "dead_letter.resend",
        target: { type: "dead_letter", id },
      }),
  });
}
