/**
 * Queueing emails (the `email.send` job; lib/email/send.ts delivers them). Two forms:
 * - `sendEmail`: rendered by the sender (subject, html, text), for emails without a portal
 *   link (ticket confirmations, support notifications, workflow replies);
 * - `sendTemplatedEmail` / `enqueueEmailInAtomic` with a templated job: a template name, its
 *   data and a link spec, rendered at delivery (lib/email/templates.ts), for emails that
 *   carry a portal link (magic-link and status emails). No form ever holds a raw token.
 */
import {
  enqueue,
  enqueueInAtomic,
  type EnqueueResult,
  type QueueMessage,
} from "@/lib/queue/queue.ts";
import { InvalidInputError } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { toOneLine } from "@/lib/text.ts";
import { type Email, EmailSchema, RenderedEmailJob, TemplatedEmailJob } from "./message.ts";
import { countEmail } from "./stats.ts";

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

function tagList(tags?: Record<string, string>) {
  return tags ? Object.entries(tags).map(([name, value]) => ({ name, value })) : undefined;
}

/** Subjects are cut here (with an ellipsis) rather than refused: they hold stored names. */
export const SUBJECT_MAX = 300;

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
    tags: tagList(input.tags),
  };
}

/**
 * An email that cannot be sent as asked: an address on file is not one (`fields` names
 * `to` or `reply_to`). The caller turns it into its own 422 on the record to correct.
 */
export class UndeliverableEmailError extends InvalidInputError {}

function undeliverable(error: { issues: { path: PropertyKey[]; message: string }[] }): never {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "email");
    (fields[field] ??= []).push(issue.message);
  }
  throw new UndeliverableEmailError(fields, "The email cannot be sent: an address is not valid.");
}

/**
 * Validates a rendered email before anything depends on it, so a caller can refuse its whole
 * operation instead of committing a record whose email then fails.
 * Throws UndeliverableEmailError.
 */
export function prepareEmail(input: SendEmailInput): Email {
  const parsed = RenderedEmailJob.safeParse(emailOf(input));
  return parsed.success ? parsed.data : undeliverable(parsed.error);
}

/**
 * Adds an email prepared by `prepareEmail` to the caller's atomic operation: queued if and
 * only if that operation commits, deduplicated by its idempotency key as `sendEmail` is (the
 * operation fails if the key was queued before).
 */
export function queueEmailInAtomic(
  services: Services,
  op: Deno.AtomicOperation,
  email: Email,
): void {
  countEmail(op, email.org, "queued");
  enqueueInAtomic(services, op, EMAIL_SEND, email, {
    key: `email:${email.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
  });
}

/**
 * Queues one rendered email. Returns `{enqueued: false}` when this idempotency key was used
 * before. Throws a zod error for an invalid email or one that holds a raw link token (a
 * programming error, not client input).
 *
 * @example
 * const { html, text } = renderEmail({ locale, title, paragraphs, footer });
 * await sendEmail(services, { org: "acme", to: "ops@example.com", subject: title, html, text,
 *   idempotencyKey: `issue-confirmation/acme/${ticket}` });
 */
export function sendEmail(services: Services, input: SendEmailInput): Promise<EnqueueResult> {
  const email: Email = RenderedEmailJob.parse(emailOf(input));
  return enqueue(services, EMAIL_SEND, email, {
    key: `email:${email.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
    also: (op) => countEmail(op, email.org, "queued"),
  });
}

export type TemplatedEmailInput = Omit<TemplatedEmailJob, "tags"> & {
  tags?: Record<string, string>;
};

/**
 * The queued form of a templated email. Throws UndeliverableEmailError when an address is
 * not one (a stored address from before addresses were checked), so a caller can refuse
 * its operation; anything else wrong is a programming error.
 */
export function templatedJob(input: TemplatedEmailInput): TemplatedEmailJob {
  const job = {
    ...input,
    subject: toOneLine(input.subject, SUBJECT_MAX),
    tags: tagList(input.tags),
  };
  const addresses = EmailSchema.pick({ to: true, reply_to: true }).safeParse(job);
  if (!addresses.success) undeliverable(addresses.error);
  return TemplatedEmailJob.parse(job);
}

/**
 * Queues an email that is rendered at delivery, once per idempotency key.
 *
 * @example
 * await sendTemplatedEmail(services, { org: "acme", to: ["ops@x.example"], subject,
 *   template: "shipment_status", data: {...}, link: {...}, idempotency_key: "…" });
 */
export function sendTemplatedEmail(
  services: Services,
  input: TemplatedEmailInput,
): Promise<EnqueueResult> {
  const job = templatedJob(input);
  return enqueue(services, EMAIL_SEND, job, {
    key: `email:${job.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
    also: (op) => countEmail(op, job.org, "queued"),
  });
}

/**
 * Adds a templated email to the caller's atomic operation (a link and its email commit
 * together), deduplicated by its idempotency key as `sendTemplatedEmail` is: the operation
 * fails if the key was queued before.
 */
export function enqueueEmailInAtomic(
  services: Services,
  op: Deno.AtomicOperation,
  input: TemplatedEmailInput,
): QueueMessage<TemplatedEmailJob> {
  const job = templatedJob(input);
  countEmail(op, job.org, "queued");
  return enqueueInAtomic(services, op, EMAIL_SEND, job, {
    key: `email:${job.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
  });
}
