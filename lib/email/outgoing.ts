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
import type { Services } from "@/lib/services.ts";
import { type Email, RenderedEmailJob, TemplatedEmailJob } from "./message.ts";
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
  const email: Email = RenderedEmailJob.parse({
    org: input.org,
    to: Array.isArray(input.to) ? input.to : [input.to],
    reply_to: input.replyTo,
    subject: input.subject,
    html: input.html,
    text: input.text,
    idempotency_key: input.idempotencyKey,
    tags: tagList(input.tags),
  });
  return enqueue(services, EMAIL_SEND, email, {
    key: `email:${email.idempotency_key}`,
    dedupForMs: SENT_MARKER_MS,
    also: (op) => countEmail(op, email.org, "queued"),
  });
}

export type TemplatedEmailInput = Omit<TemplatedEmailJob, "tags"> & {
  tags?: Record<string, string>;
};

function templatedJob(input: TemplatedEmailInput): TemplatedEmailJob {
  return TemplatedEmailJob.parse({ ...input, tags: tagList(input.tags) });
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
 * together). The caller's operation is its own dedup.
 */
export function enqueueEmailInAtomic(
  services: Services,
  op: Deno.AtomicOperation,
  input: TemplatedEmailInput,
): QueueMessage<TemplatedEmailJob> {
  const job = templatedJob(input);
  countEmail(op, job.org, "queued");
  return enqueueInAtomic(services, op, EMAIL_SEND, job);
}
