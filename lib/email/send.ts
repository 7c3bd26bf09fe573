/**
 * `sendEmail` queues one email; the `email.send` handler delivers it through the configured
 * mail adapter (Resend with `RESEND_API_KEY`, else the dev outbox).
 *
 * Exactly one visible email per idempotency key, although the queue delivers at least once:
 * 1. the enqueue is keyed by the idempotency key (a second `sendEmail` is a no-op);
 * 2. a delivery first looks for the `["email_sent", key]` marker and skips if it is there;
 * 3. the adapter is called with the same `Idempotency-Key` on every attempt, so if the process
 *    dies after Resend accepted the email but before the marker was written, the redelivery's
 *    request is answered from Resend's idempotency cache and nothing is sent again.
 */
import { InvalidInputError } from "@/lib/errors.ts";
import { log } from "@/lib/log.ts";
import {
  enqueue,
  enqueueInAtomic,
  enqueueKeyUsed,
  type EnqueueResult,
  registerQueueHandler,
} from "@/lib/queue/queue.ts";
import { toOneLine } from "@/lib/text.ts";
import type { HandlerMeta } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { DevOutbox } from "./dev_outbox.ts";
import { type Email, EmailSchema, type MailAdapter } from "./message.ts";
import { ResendMailer } from "./resend_mailer.ts";

export const EMAIL_SEND = "email.send";

/** How long an idempotency key blocks a second send (and the enqueue dedup lasts). */
export const SENT_MARKER_MS = 30 * 24 * 3_600_000;

export interface SendEmailInput {
  /** Org slug the email belongs to (scopes its dead letter to that org's operators). */
  org?: string;
  to: string | string[];
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /**
   * Unique per intended email, e.g. `issue-confirmation/acme/TKT-2026-000123` or
   * `shipment-status/acme/1Z999.../delivered`. Never include a token or a secret.
   */
  idempotencyKey: string;
  /** Resend tags (letters, digits, `_`, `-`), e.g. `{kind: "magic_link"}`. */
  tags?: Record<string, string>;
}

/**
 * Queues one email. Returns `{enqueued: false}` when this idempotency key was used before.
 * Throws a zod error for an invalid email (a programming error, not client input).
 *
 * @example
 * const { html, text } = renderEmail({ locale, title, paragraphs, footer });
 * await sendEmail(services, { org: "acme", to: "ops@example.com", subject: title, html, text,
 *   idempotencyKey: `issue-confirmation/acme/${ticket}` });
 */
export function sendEmail(services: Services, input: SendEmailInput): Promise<EnqueueResult> {
  const email = EmailSchema.parse(emailOf(input));
  return enqueue(services, EMAIL_SEND, email, {
    key: `email:${email.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
  });
}

/** Subjects are cut here (with an ellipsis) rather than refused: they hold stored names. */
const SUBJECT_MAX = 300;

function emailOf(input: SendEmailInput): unknown {
  return {
    org: input.org,
    to: Array.isArray(input.to) ? input.to : [input.to],
    reply_to: input.replyTo,
    // Defence in depth: whatever a stored name holds, a subject is one line.
    subject: toOneLine(input.subject, SUBJECT_MAX),
    html: input.html,
    text: input.text,
    idempotency_key: input.idempotencyKey,
    tags: input.tags
      ? Object.entries(input.tags).map(([name, value]) => ({ name, value }))
      : undefined,
  };
}

/**
 * An email that cannot be sent as asked: an address on file is not one (`fields` names
 * `to` or `reply_to`). The caller turns it into its own 422 on the record to correct.
 */
export class UndeliverableEmailError extends InvalidInputError {}

/**
 * Validates an email before anything depends on it, so a caller can refuse its whole
 * operation instead of committing a record whose email then fails.
 * Throws UndeliverableEmailError.
 */
export function prepareEmail(input: SendEmailInput): Email {
  const parsed = EmailSchema.safeParse(emailOf(input));
  if (parsed.success) return parsed.data;
  const fields: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "email");
    (fields[field] ??= []).push(issue.message);
  }
  throw new UndeliverableEmailError(fields, "The email cannot be sent: an address is not valid.");
}

/**
 * Adds an email prepared by `prepareEmail` to the caller's atomic operation: queued if and
 * only if that operation commits, deduplicated by its idempotency key as `sendEmail` is (the
 * operation fails if the key was queued before).
 *
 * @example
 * const email = prepareEmail({ to, subject, html, text, idempotencyKey });
 * const op = kv.atomic().set(recordKey, record);
 * queueEmailInAtomic(services, op, email);
 * await op.commit();
 */
export function queueEmailInAtomic(
  services: Services,
  op: Deno.AtomicOperation,
  email: Email,
): void {
  enqueueInAtomic(services, op, EMAIL_SEND, email, {
    key: `email:${email.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
  });
}

let warnedNoResend = false;

/** Resend when `RESEND_API_KEY` is configured, else the dev outbox in KV. */
export function mailAdapterFor(services: Services): MailAdapter {
  const c = services.config;
  if (c.RESEND_API_KEY) {
    return new ResendMailer({
      apiKey: c.RESEND_API_KEY,
      baseUrl: c.RESEND_BASE_URL,
      from: c.MAIL_FROM,
    });
  }
  if (!c.dev && !warnedNoResend) {
    warnedNoResend = true;
    log.warn("RESEND_API_KEY is not set: emails are kept in the KV outbox and not delivered");
  }
  return new DevOutbox(services);
}

export interface SentMarker {
  adapter: string;
  provider_id: string;
  message_id: string;
  sent_at: string;
}

const keys = {
  sent: (idempotencyKey: string): Deno.KvKey => ["email_sent", idempotencyKey],
};

/** Whether (and how) the email with this idempotency key was delivered. */
export async function emailSentMarker(
  kv: Deno.Kv,
  idempotencyKey: string,
): Promise<SentMarker | null> {
  return (await kv.get<SentMarker>(keys.sent(idempotencyKey))).value;
}

/**
 * Whether an email with this idempotency key was queued or sent (while the records last,
 * `SENT_MARKER_MS`): lets a template that changes its key format honour emails sent under
 * the old one.
 */
export async function emailKeyUsed(kv: Deno.Kv, idempotencyKey: string): Promise<boolean> {
  if (await emailSentMarker(kv, idempotencyKey)) return true;
  return await enqueueKeyUsed(kv, `email:${idempotencyKey}`);
}

async function deliverEmail(email: Email, services: Services, meta: HandlerMeta): Promise<void> {
  const key = keys.sent(email.idempotency_key);
  if ((await services.kv.get(key)).value) {
    log.info("email already sent; redelivery skipped", { message_id: meta.id });
    return;
  }
  const adapter = mailAdapterFor(services);
  const result = await adapter.send(email);
  const marker: SentMarker = {
    adapter: adapter.name,
    provider_id: result.provider_id,
    message_id: meta.id,
    sent_at: services.clock.now().toISOString(),
  };
  await services.kv.set(key, marker, { expireIn: SENT_MARKER_MS });
  // Recipients and bodies stay out of the log (personal data; bodies may hold links).
  log.info("email sent", {
    adapter: adapter.name,
    provider_id: result.provider_id,
    message_id: meta.id,
    attempt: meta.attempt,
    org: email.org,
  });
}

/** Dead letters have no expiry: keep who/what/why, drop the bodies (they may hold links). */
function redactEmail(payload: unknown): unknown {
  const p = payload as Partial<Email>;
  return {
    org: p?.org,
    to: p?.to,
    subject: p?.subject,
    idempotency_key: p?.idempotency_key,
    tags: p?.tags,
  };
}

/** Registers the `email.send` handler; call before `startQueueListener`. */
export function registerEmailHandlers(): void {
  registerQueueHandler(EMAIL_SEND, deliverEmail, {
    schema: EmailSchema,
    redactForDeadLetter: redactEmail,
  });
}
