/**
 * Dead letters: queue messages that failed for good, kept for operators for
 * `DEAD_LETTER_RETENTION_DAYS` (default 30), then removed.
 *
 * Keys: `["dead_letter", id]` and, for messages whose payload names an org,
 * `["dead_letter_by_org", org, id]` holding the same record, so an org's operators list only
 * their own with one range read. Ids are time-ordered, so listing in reverse is newest first
 * (by when the message was first enqueued).
 *
 * A record keeps what its type's handler allows (lib/queue/queue.ts `deadLetterOf`): the
 * listing's view of the payload, and what a re-send needs (`resend`, never a secret: email
 * jobs carry template data and a link spec, not a link). The same keys are given to KV as
 * `keysIfUndelivered`: if KV itself gives up delivering a message (the listener kept
 * crashing), KV writes the raw `{type, id, payload, attempt}` there, with no expiry; the
 * hourly sweep (lib/queue/dead_letter_ops.ts) turns such copies into records like the others,
 * with the same expiry. `listDeadLetters` presents both forms as one record meanwhile.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import { z } from "zod";
import type { Services } from "@/lib/services.ts";

const DAY_MS = 24 * 3_600_000;

export interface DeadLetter {
  id: string;
  type: string;
  org?: string;
  /** The attempt that failed last. */
  attempt: number;
  /** As the handler's `redactForDeadLetter` left it. */
  payload: unknown;
  error: string;
  failed_at: string;
  /** When it is removed (`DEAD_LETTER_RETENTION_DAYS` after it failed). */
  expires_at?: string;
  /** What a re-send runs again (absent: it cannot be re-sent). Internal: never listed. */
  resend?: unknown;
  /** Set once staff re-sent it: when, by whom, and the new message. */
  resent?: { at: string; by: string; message_id: string };
}

export interface DeadLetterInput extends Omit<DeadLetter, "failed_at" | "expires_at"> {
  /** The type's own records (a counter), in the dead letter's atomic operation. */
  also?: (op: Deno.AtomicOperation) => void;
}

/** Messages that carry an org (`payload.org`) are scoped to it in the dead-letter listing. */
export function orgOf(payload: unknown): string | undefined {
  if (payload && typeof payload === "object" && "org" in payload) {
    const org = (payload as { org?: unknown }).org;
    if (typeof org === "string" && org.length > 0 && org.length <= 200) return org;
  }
  return undefined;
}

const keys = {
  letter: (id: string): Deno.KvKey => ["dead_letter", id],
  all: (): Deno.KvKey => ["dead_letter"],
  byOrg: (org: string, id: string): Deno.KvKey => ["dead_letter_by_org", org, id],
  orgLetters: (org: string): Deno.KvKey => ["dead_letter_by_org", org],
};

export function deadLetterKeys(id: string, org?: string): Deno.KvKey[] {
  return org ? [keys.letter(id), keys.byOrg(org, id)] : [keys.letter(id)];
}

/** How long dead letters are kept, in ms. */
export function retentionMs(services: Pick<Services, "config">): number {
  return services.config.DEAD_LETTER_RETENTION_DAYS * DAY_MS;
}

/** Adds a dead letter's records (both keys, with their expiry) to `op`. */
export function setDeadLetter(
  services: Services,
  op: Deno.AtomicOperation,
  d: DeadLetterInput,
  failedAt = services.clock.now(),
): DeadLetter {
  const { also: _also, ...rest } = d;
  const keep = retentionMs(services);
  const record: DeadLetter = {
    ...rest,
    failed_at: failedAt.toISOString(),
    expires_at: new Date(failedAt.getTime() + keep).toISOString(),
  };
  if (record.org === undefined) delete record.org;
  const left = Math.max(60_000, failedAt.getTime() + keep - services.clock.now().getTime());
  for (const key of deadLetterKeys(d.id, d.org)) op.set(key, record, { expireIn: left });
  d.also?.(op);
  return record;
}

export async function writeDeadLetter(
  services: Services,
  d: DeadLetterInput,
): Promise<DeadLetter> {
  const op = services.kv.atomic();
  const record = setDeadLetter(services, op, d);
  const res = await op.commit();
  if (!res.ok) throw new Error("Could not write the dead letter.");
  return record;
}

export const RawMessage = z.object({
  type: z.string(),
  id: z.string(),
  payload: z.unknown(),
  attempt: z.number(),
});

/** True for a record this module wrote (not KV's raw copy of a message). */
export function isRecord(value: unknown): value is DeadLetter {
  const v = value as Partial<DeadLetter> | null;
  return !!v && typeof v.error === "string" && typeof v.failed_at === "string";
}

/** A record as stored, or the raw message KV wrote after it gave up delivering. */
export function normalize(value: unknown, key: Deno.KvKey): DeadLetter {
  if (isRecord(value)) return value;
  const raw = RawMessage.safeParse(value);
  const id = String(key[key.length - 1]);
  return {
    id,
    type: raw.success ? raw.data.type : "unknown",
    org: key[0] === "dead_letter_by_org"
      ? String(key[1])
      : raw.success
      ? orgOf(raw.data.payload)
      : undefined,
    attempt: raw.success ? raw.data.attempt : 0,
    // KV's copy is the full message; the sweep redacts it. Until then, list none of it.
    payload: null,
    error: "The queue stopped redelivering this message (the handler never completed).",
    failed_at: "",
  };
}

/** What listings show: the record without its internal re-send copy. */
export function publicView(d: DeadLetter): Omit<DeadLetter, "resend"> & { resendable: boolean } {
  const { resend, ...rest } = d;
  return { ...rest, resendable: resend !== undefined && !d.resent };
}

function expired(d: DeadLetter, now: Date | undefined): boolean {
  return !!now && !!d.expires_at && Date.parse(d.expires_at) <= now.getTime();
}

export interface DeadLetterPage {
  dead_letters: ReturnType<typeof publicView>[];
  next_cursor: string | null;
}

/**
 * Lists dead letters newest first, cursor-paged; with `org`, only messages of that org.
 * With `now`, records past their expiry are left out (KV's removal is eventual).
 *
 * @example
 * const { dead_letters, next_cursor } = await listDeadLetters(kv, { org: "acme", limit: 20 });
 */
export async function listDeadLetters(
  kv: Deno.Kv,
  opts: { org?: string; limit?: number; cursor?: string; now?: Date } = {},
): Promise<DeadLetterPage> {
  const prefix = opts.org ? keys.orgLetters(opts.org) : keys.all();
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const iter = kv.list({ prefix }, { limit, reverse: true, cursor: opts.cursor || undefined });
  const dead_letters: ReturnType<typeof publicView>[] = [];
  let seen = 0;
  try {
    for await (const entry of iter) {
      seen++;
      const d = normalize(entry.value, entry.key);
      if (!expired(d, opts.now)) dead_letters.push(publicView(d));
    }
  } catch (err) {
    // KV rejects a cursor it did not issue.
    if (opts.cursor) throw new MalformedInputError("The cursor is not valid.");
    throw err;
  }
  const next_cursor = seen === limit && iter.cursor ? iter.cursor : null;
  return { dead_letters, next_cursor };
}

/** One dead letter of an org (with its re-send copy), or null (another org's, expired, none). */
export async function getDeadLetter(
  kv: Deno.Kv,
  org: string,
  id: string,
  now?: Date,
): Promise<{ letter: DeadLetter; entry: Deno.KvEntry<unknown> } | null> {
  if (!/^[0-9a-z]{1,40}$/.test(id)) return null;
  const entry = await kv.get(keys.byOrg(org, id));
  if (entry.versionstamp === null) return null;
  const letter = normalize(entry.value, entry.key);
  if (expired(letter, now)) return null;
  return { letter, entry: entry as Deno.KvEntry<unknown> };
}

/** Counts an org's dead letters not yet re-sent (at most `cap`). */
export async function countDeadLetters(
  kv: Deno.Kv,
  org: string,
  now: Date,
  cap = 1000,
): Promise<number> {
  let n = 0;
  for await (const e of kv.list({ prefix: keys.orgLetters(org) }, { limit: cap })) {
    const d = normalize(e.value, e.key);
    if (!expired(d, now) && !d.resent) n++;
  }
  return n;
}

/** Every stored entry (records and KV's raw copies), for the sweep. */
export function allDeadLetterEntries(kv: Deno.Kv): Deno.KvListIterator<unknown> {
  return kv.list({ prefix: keys.all() });
}

/** Removes a dead letter once an operator has dealt with it. */
export async function deleteDeadLetter(kv: Deno.Kv, id: string): Promise<boolean> {
  const entry = await kv.get<DeadLetter>(keys.letter(id));
  if (!entry.value) return false;
  const org = normalize(entry.value, entry.key).org;
  const op = kv.atomic().check(entry);
  for (const key of deadLetterKeys(id, org)) op.delete(key);
  return (await op.commit()).ok;
}
