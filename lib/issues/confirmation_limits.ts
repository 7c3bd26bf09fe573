/**
 * How many report confirmations may be mailed: at most `REPORT_CONFIRMATIONS_PER_LINK_PER_DAY`
 * per link and `REPORT_CONFIRMATIONS_PER_ADDRESS_PER_DAY` per recipient address (across every
 * link and org: the sender is the portal's one address), per UTC day. The report form takes any
 * contact address, so without a bound it would mail whoever an attacker names, from the
 * manufacturer's address. Past a bound the ticket is still made and support still emailed;
 * only the confirmation is not sent.
 *
 * The decision is made in the ticket's atomic operation (`reserveConfirmation` reads, then
 * `holdConfirmation` checks and counts), so each ticket is counted once, whatever the retries.
 *
 * Keys: ["report_confirmations", "link", linkHash, day] and
 * ["report_confirmations", "to", sha256(address), day] → count; they expire after two days.
 */
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { Services } from "@/lib/services.ts";

const TWO_DAYS_MS = 2 * 24 * 3_600_000;

const keys = {
  link: (link: string, day: string): Deno.KvKey => ["report_confirmations", "link", link, day],
  to: (addressHash: string, day: string): Deno.KvKey => [
    "report_confirmations",
    "to",
    addressHash,
    day,
  ],
};

export interface ConfirmationReservation {
  allowed: boolean;
  entries: Deno.KvEntryMaybe<number>[];
}

/** The UTC calendar day of `now`, `2026-01-16`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Reads today's counts for this link and address: may one more confirmation go out? */
export async function reserveConfirmation(
  services: Services,
  r: { link: string; address: string },
): Promise<ConfirmationReservation> {
  const { kv, clock, config } = services;
  const day = utcDay(clock.now());
  const addressHash = await sha256Hex(r.address.trim().toLowerCase());
  const entries = await kv.getMany<number[]>([keys.link(r.link, day), keys.to(addressHash, day)]);
  const [byLink, byAddress] = entries.map((e) => e.value ?? 0);
  const allowed = byLink < config.REPORT_CONFIRMATIONS_PER_LINK_PER_DAY &&
    byAddress < config.REPORT_CONFIRMATIONS_PER_ADDRESS_PER_DAY;
  return { allowed, entries };
}

/**
 * Counts the confirmation in the caller's atomic operation, which then fails if another
 * report counted first (it retries and reads again). A refused one writes nothing: counts
 * only grow, so a stale "over the bound" is still over it.
 */
export function holdConfirmation(op: Deno.AtomicOperation, r: ConfirmationReservation): void {
  if (!r.allowed) return;
  for (const e of r.entries) {
    op.check(e).set(e.key, (e.value ?? 0) + 1, { expireIn: TWO_DAYS_MS });
  }
}
