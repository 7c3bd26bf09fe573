/**
 * Dead letters: queue messages that failed for good, kept for operators (no expiry).
 *
 * Keys: `["dead_letter", id]` and, for messages whose payload names an org,
 * `["dead_letter_by_org", org, id]` holding the same record, so an org's operators list only
 * their own with one range read. Ids are time-ordered, so listing in reverse is newest first
 * (by when the message was first enqueued).
 *
 * The same keys are given to KV as `keysIfUndelivered`: if KV itself gives up delivering a
 * message (the listener kept crashing), KV writes the raw `{type, id, payload, attempt}`
 * there. `listDeadLetters` presents both forms as one record.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import { z } from "zod";
import type { Services } from "@/lib/services.ts";

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

export async function writeDeadLetter(
  services: Services,
  d: Omit<DeadLetter, "failed_at">,
): Promise<DeadLetter> {
  const record: DeadLetter = { ...d, failed_at: services.clock.now().toISOString() };
  if (record.org === undefined) delete record.org;
  const op = services.kv.atomic();
  for (const key of deadLetterKeys(d.id, d.org)) op.set(key, record);
  const res = await op.commit();
  if (!res.ok) throw new Error("Could not write the dead letter.");
  return record;
}

const RawMessage = z.object({
  type: z.string(),
  id: z.string(),
  payload: z.unknown(),
  attempt: z.number(),
});

/** A record as stored, or the raw message KV wrote after it gave up delivering. */
function normalize(value: unknown, key: Deno.KvKey): DeadLetter {
  const v = value as Partial<DeadLetter> | null;
  if (v && typeof v.error === "string" && typeof v.failed_at === "string") {
    return v as DeadLetter;
  }
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
    // KV's copy is the full message; keep secrets out of the listing all the same.
    payload: null,
    error: "The queue stopped redelivering this message (the handler never completed).",
    failed_at: "",
  };
}

export interface DeadLetterPage {
  dead_letters: DeadLetter[];
  next_cursor: string | null;
}

/**
 * Lists dead letters newest first, cursor-paged; with `org`, only messages of that org.
 *
 * @example
 * const { dead_letters, next_cursor } = await listDeadLetters(kv, { org: "acme", limit: 20 });
 */
export async function listDeadLetters(
  kv: Deno.Kv,
  opts: { org?: string; limit?: number; cursor?: string } = {},
): Promise<DeadLetterPage> {
  const prefix = opts.org ? keys.orgLetters(opts.org) : keys.all();
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const iter = kv.list({ prefix }, { limit, reverse: true, cursor: opts.cursor || undefined });
  const dead_letters: DeadLetter[] = [];
  try {
    for await (const entry of iter) dead_letters.push(normalize(entry.value, entry.key));
  } catch (err) {
    // KV rejects a cursor it did not issue.
    if (opts.cursor) throw new MalformedInputError("The cursor is not valid.");
    throw err;
  }
  const next_cursor = dead_letters.length === limit && iter.cursor ? iter.cursor : null;
  return { dead_letters, next_cursor };
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
