/**
 * What is done to dead letters after they are written (lib/queue/dead_letters.ts): a re-send
 * by staff, and the hourly sweep.
 *
 * - `resendDeadLetter` enqueues the message again from the copy its dead letter kept, in one
 *   atomic operation that also marks the letter re-sent (guarded by its versionstamp, so a
 *   double click sends once). An email is rendered anew when delivered: current names, and
 *   a fresh link where it carries one (the kept copy has no sealed token).
 * - `sweepDeadLetters` turns KV's raw copies of messages it gave up on (`keysIfUndelivered`,
 *   which take no expiry) into redacted records with the retention's expiry, gives records
 *   written before expiries existed one, and removes the expired (KV's own removal is
 *   eventual).
 */
import { ConflictError, NotFoundError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import {
  allDeadLetterEntries,
  deadLetterKeys,
  getDeadLetter,
  isRecord,
  RawMessage,
  setDeadLetter,
} from "./dead_letters.ts";
import { deadLetterOf, enqueueInAtomic, resendPayload } from "./queue.ts";

/** This dead letter cannot be re-sent (nothing kept to send, or no handler for it): a 409. */
export class NotResendableError extends ConflictError {}

/**
 * Re-sends one dead letter of `org`. Throws NotFoundError (none, another org's, expired),
 * NotResendableError (nothing kept, or already re-sent), ConflictError (a concurrent re-send
 * won). `also` adds the caller's records (the audit entry) to the same operation.
 *
 * @example
 * const { message_id } = await resendDeadLetter(services, "acme", id, { by: "ana@acme.example" });
 */
export async function resendDeadLetter(
  services: Services,
  org: string,
  id: string,
  opts: { by: string; also?: (op: Deno.AtomicOperation) => void },
): Promise<{ message_id: string }> {
  const { kv, clock } = services;
  const found = await getDeadLetter(kv, org, id, clock.now());
  if (!found) throw new NotFoundError("No such dead letter.");
  const { letter, entry } = found;
  if (letter.resent) throw new NotResendableError("This message was already re-sent.");
  if (letter.resend === undefined) {
    throw new NotResendableError("Nothing was kept to send this message again.");
  }
  const n = 1;
  const payload = resendPayload(letter.type, letter.resend, n);
  if (payload === null) throw new NotResendableError(`No handler for "${letter.type}" here.`);
  const op = kv.atomic().check(entry);
  const msg = enqueueInAtomic(services, op, letter.type, payload);
  const updated = {
    ...letter,
    resent: { at: clock.now().toISOString(), by: opts.by, message_id: msg.id },
  };
  const left = Math.max(
    60_000,
    Date.parse(letter.expires_at ?? clock.now().toISOString()) - clock.now().getTime(),
  );
  for (const key of deadLetterKeys(letter.id, letter.org)) op.set(key, updated, { expireIn: left });
  opts.also?.(op);
  if (!(await op.commit()).ok) throw new ConflictError("The dead letter changed; reload.");
  return { message_id: msg.id };
}

/**
 * One pass over every dead letter: redacts and dates KV's raw copies, dates old records,
 * removes expired ones. Returns what it did.
 */
export async function sweepDeadLetters(
  services: Services,
): Promise<{ redacted: number; dated: number; removed: number }> {
  const { kv, clock } = services;
  const now = clock.now();
  const out = { redacted: 0, dated: 0, removed: 0 };
  for await (const entry of allDeadLetterEntries(kv)) {
    const value = entry.value;
    if (isRecord(value)) {
      const org = value.org;
      if (value.expires_at && Date.parse(value.expires_at) <= now.getTime()) {
        const op = kv.atomic().check(entry);
        for (const key of deadLetterKeys(value.id, org)) op.delete(key);
        if ((await op.commit()).ok) out.removed++;
      } else if (!value.expires_at) {
        const failed = value.failed_at ? new Date(value.failed_at) : now;
        const op = kv.atomic().check(entry);
        const { failed_at: _f, expires_at: _e, ...rest } = value;
        setDeadLetter(services, op, rest, failed);
        if ((await op.commit()).ok) out.dated++;
      }
      continue;
    }
    // KV's own copy of a message it could not deliver: keep only what a record keeps.
    const raw = RawMessage.safeParse(value);
    const op = kv.atomic().check(entry);
    const id = String(entry.key[1]);
    if (raw.success) {
      const record = deadLetterOf(raw.data);
      // KV may have written the org copy under the payload's org: replace both keys.
      setDeadLetter(services, op, {
        ...record,
        id,
        error: "The queue stopped redelivering this message (the handler never completed).",
      }, now);
    } else {
      setDeadLetter(services, op, {
        id,
        type: "unknown",
        attempt: 0,
        payload: null,
        error: "An unreadable message was left by the queue.",
      }, now);
    }
    if ((await op.commit()).ok) out.redacted++;
  }
  return out;
}

/** The sweep's schedule: hourly. */
export const SWEEP_CRON = "41 * * * *";
