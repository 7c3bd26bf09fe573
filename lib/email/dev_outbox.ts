/**
 * The dev outbox: without `RESEND_API_KEY`, emails are "sent" into Deno KV and shown at
 * `/dev/outbox` (development only). Entries expire after 14 days: they hold the emails'
 * links, magic links included, and are meant for a developer's eyes, not for keeping.
 *
 * Keys: `["outbox", id]` with a time-ordered id (newest first = reverse listing), and
 * `["outbox_by_key", idempotency_key]` → id, written in the same atomic operation and checked
 * first, so the outbox dedups by idempotency key exactly as Resend does.
 *
 * In production without `RESEND_API_KEY` nothing can read the outbox (the page 404s), so
 * only who/what/when is kept and the bodies, which may hold magic links, are dropped.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { TIME_ORDERED_ID, timeOrderedId } from "@/lib/queue/ids.ts";
import type { Email, MailAdapter, SendResult } from "./message.ts";

export const OUTBOX_TTL_MS = 14 * 24 * 3_600_000;

const DROPPED = "(not kept in production: set RESEND_API_KEY to deliver emails)";

export interface OutboxEntry {
  id: string;
  from: string;
  to: string[];
  reply_to?: string;
  subject: string;
  html: string;
  text: string;
  org?: string;
  tags?: { name: string; value: string }[];
  idempotency_key: string;
  created_at: string;
}

const keys = {
  entry: (id: string): Deno.KvKey => ["outbox", id],
  all: (): Deno.KvKey => ["outbox"],
  byIdempotencyKey: (key: string): Deno.KvKey => ["outbox_by_key", key],
};

export class DevOutbox implements MailAdapter {
  readonly name = "dev-outbox";
  constructor(private services: Services) {}

  async send(email: Email): Promise<SendResult> {
    const { kv, clock, config } = this.services;
    const byKey = keys.byIdempotencyKey(email.idempotency_key);
    for (let i = 0; i < 5; i++) {
      const existing = await kv.get<string>(byKey);
      if (existing.value) return { provider_id: existing.value };
      const entry: OutboxEntry = {
        id: timeOrderedId(),
        from: config.MAIL_FROM,
        to: email.to,
        ...(email.reply_to ? { reply_to: email.reply_to } : {}),
        subject: email.subject,
        html: config.devTools ? email.html : DROPPED,
        text: config.devTools ? email.text : DROPPED,
        ...(email.org ? { org: email.org } : {}),
        ...(email.tags ? { tags: email.tags } : {}),
        idempotency_key: email.idempotency_key,
        created_at: clock.now().toISOString(),
      };
      const res = await kv.atomic()
        .check(existing)
        .set(keys.entry(entry.id), entry, { expireIn: OUTBOX_TTL_MS })
        .set(byKey, entry.id, { expireIn: OUTBOX_TTL_MS })
        .commit();
      if (res.ok) return { provider_id: entry.id };
      // Lost a race with a concurrent delivery of the same email: read its id.
    }
    throw new Error("Could not write the dev outbox entry.");
  }
}

/**
 * The outbox, newest first, cursor-paged.
 *
 * @example
 * const { entries } = await listOutbox(kv, { limit: 10 });
 */
export async function listOutbox(
  kv: Deno.Kv,
  opts: { limit?: number; cursor?: string } = {},
): Promise<{ entries: OutboxEntry[]; next_cursor: string | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const iter = kv.list<OutboxEntry>(
    { prefix: keys.all() },
    { limit, reverse: true, cursor: opts.cursor || undefined },
  );
  const entries: OutboxEntry[] = [];
  try {
    for await (const e of iter) entries.push(e.value);
  } catch (err) {
    // KV rejects a cursor it did not issue.
    if (opts.cursor) throw new MalformedInputError("The cursor is not valid.");
    throw err;
  }
  return { entries, next_cursor: entries.length === limit && iter.cursor ? iter.cursor : null };
}

export async function getOutboxEntry(kv: Deno.Kv, id: string): Promise<OutboxEntry | null> {
  if (!TIME_ORDERED_ID.test(id)) return null;
  return (await kv.get<OutboxEntry>(keys.entry(id))).value;
}
