/**
 * Email delivery figures per org for the staff console's Integrations page: how many were
 * queued, sent and dead-lettered, and when the last one went out. Counters (Deno.KvU64) are
 * added to the atomic operation of the event they count, never a write of their own:
 *
 *   ["email_stats", org, "queued" | "sent" | "dead" | "last_sent"]
 *
 * "Waiting" is queued − sent − dead: emails still in the queue or between retries.
 */
const COUNTERS = ["queued", "sent", "dead", "last_sent"] as const;
type Counter = typeof COUNTERS[number];

const keys = {
  counter: (org: string, c: Counter): Deno.KvKey => ["email_stats", org, c],
};

/** Adds "one more queued / sent / dead" to `op` (no org: not counted). */
export function countEmail(
  op: Deno.AtomicOperation,
  org: string | undefined,
  event: "queued" | "sent" | "dead",
  now?: Date,
): void {
  if (!org) return;
  op.sum(keys.counter(org, event), 1n);
  if (event === "sent" && now) op.max(keys.counter(org, "last_sent"), BigInt(now.getTime()));
}

export interface EmailStats {
  queued: number;
  sent: number;
  dead: number;
  waiting: number;
  last_sent_at: string | null;
}

export async function emailStats(kv: Deno.Kv, org: string): Promise<EmailStats> {
  const entries = await kv.getMany<Deno.KvU64[]>(COUNTERS.map((c) => keys.counter(org, c)));
  const [queued, sent, dead, last] = entries.map((e) => Number(e.value?.value ?? 0n));
  return {
    queued,
    sent,
    dead,
    waiting: Math.max(0, queued - sent - dead),
    last_sent_at: last ? new Date(last).toISOString() : null,
  };
}
