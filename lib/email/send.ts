/**
 * The `email.send` handler: delivers a queued email (lib/email/outgoing.ts) through the
 * configured mail adapter (Resend with `RESEND_API_KEY`, else the dev outbox). A templated
 * email is rendered here, with its portal link opened or minted now
 * (lib/access/email_links.ts).
 *
 * Exactly one visible email per idempotency key, although the queue delivers at least once:
 * 1. the enqueue is keyed by the idempotency key (a second `sendEmail` is a no-op);
 * 2. a delivery first looks for the `["email_sent", key]` marker and skips if it is there;
 * 3. the adapter is called with the same `Idempotency-Key` on every attempt, so if the process
 *    dies after Resend accepted the email but before the marker was written, the redelivery's
 *    request is answered from Resend's idempotency cache and nothing is sent again (a
 *    re-rendered body with another link is answered 409 `invalid_idempotent_request`:
 *    `AlreadySentError`, recorded as sent, and the link minted for it is discarded).
 */
import { resolveEmailLink } from "@/lib/access/email_links.ts";
import { discardLink } from "@/lib/access/tokens.ts";
import { log } from "@/lib/log.ts";
import { toOneLine } from "@/lib/text.ts";
import { UnknownCustomerError } from "@/lib/orders/customers.ts";
import {
  enqueueKeyUsed,
  PermanentError,
  registerQueueHandler,
  RetryableError,
} from "@/lib/queue/queue.ts";
import type { HandlerMeta } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { DevOutbox } from "./dev_outbox.ts";
import {
  AlreadySentError,
  type Email,
  EmailJob,
  EmailSchema,
  isTemplated,
  type MailAdapter,
  type TemplatedEmailJob,
} from "./message.ts";
import { EMAIL_SEND, SENT_MARKER_MS, SUBJECT_MAX } from "./outgoing.ts";
import { ResendMailer } from "./resend_mailer.ts";
import { countEmail } from "./stats.ts";
import { emailTemplate, registerEmailTemplate } from "./templates.ts";
import { magicLinkTemplate } from "./templates/magic_link.ts";

export {
  EMAIL_SEND,
  enqueueEmailInAtomic,
  prepareEmail,
  queueEmailInAtomic,
  sendEmail,
  type SendEmailInput,
  sendTemplatedEmail,
  SENT_MARKER_MS,
  UndeliverableEmailError,
} from "./outgoing.ts";

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

/** A templated job rendered now: its template, its link, the email the adapter sends. */
async function renderJob(
  services: Services,
  job: TemplatedEmailJob,
): Promise<{ email: Email; minted?: { tokenHash: string } }> {
  const template = emailTemplate(job.template);
  // Likely an older or newer process version: retrying gives the right one a chance.
  if (!template) throw new RetryableError(`No email template "${job.template}" is registered.`);
  const data = template.schema.parse(job.data);
  let link;
  try {
    link = job.link ? await resolveEmailLink(services, job.org, job.link) : null;
  } catch (err) {
    if (err instanceof UnknownCustomerError) {
      throw new PermanentError("The customer of this email no longer exists.");
    }
    throw err;
  }
  try {
    const content = await template.render(services, data, { job, url: link?.url ?? null });
    const email = EmailSchema.parse({
      org: job.org,
      to: job.to,
      reply_to: job.reply_to,
      // Defence in depth: whatever a stored name holds, a subject is one line.
      subject: toOneLine(content.subject, SUBJECT_MAX),
      html: content.html,
      text: content.text,
      idempotency_key: job.idempotency_key,
      tags: job.tags,
    });
    return { email, minted: link?.minted };
  } catch (err) {
    if (link?.minted) await discardLink(services.kv, link.minted.tokenHash);
    throw err;
  }
}

async function deliverEmail(job: EmailJob, services: Services, meta: HandlerMeta): Promise<void> {
  const key = keys.sent(job.idempotency_key);
  if ((await services.kv.get(key)).value) {
    log.info("email already sent; redelivery skipped", { message_id: meta.id });
    return;
  }
  const adapter = mailAdapterFor(services);
  const { email, minted } = isTemplated(job)
    ? await renderJob(services, job)
    : { email: job, minted: undefined };
  let providerId: string;
  try {
    providerId = (await adapter.send(email)).provider_id;
  } catch (err) {
    // A link minted for an email that certainly did not go out is removed again; after an
    // unknown outcome (a timeout) it stays: the email may have reached the customer.
    if (minted && (err instanceof AlreadySentError || err instanceof PermanentError)) {
      await discardLink(services.kv, minted.tokenHash);
    }
    if (!(err instanceof AlreadySentError)) throw err;
    providerId = "already-sent";
  }
  const now = services.clock.now();
  const marker: SentMarker = {
    adapter: adapter.name,
    provider_id: providerId,
    message_id: meta.id,
    sent_at: now.toISOString(),
  };
  const op = services.kv.atomic().set(key, marker, { expireIn: SENT_MARKER_MS });
  countEmail(op, email.org, "sent", now);
  await op.commit();
  // Recipients and bodies stay out of the log (personal data; bodies may hold links).
  log.info("email sent", {
    adapter: adapter.name,
    provider_id: providerId,
    message_id: meta.id,
    attempt: meta.attempt,
    org: email.org,
  });
}

/**
 * What a dead letter lists of an email: who, what, and never a body (bodies are personal
 * data; links are never in a queued email, but listings stay short all the same).
 */
function redactEmail(payload: unknown): unknown {
  const p = payload as Partial<Email & TemplatedEmailJob>;
  return {
    org: p?.org,
    to: p?.to,
    subject: p?.subject,
    idempotency_key: p?.idempotency_key,
    tags: p?.tags,
    ...(p?.template ? { template: p.template } : {}),
  };
}

/**
 * What a dead letter keeps to send the email again: a templated job without its sealed
 * token (a re-send mints a fresh link), a rendered one as it is. A rendered body from
 * before link specs existed that holds a raw token is not kept (not re-sendable).
 */
function keepForResend(payload: unknown): unknown | null {
  const parsed = EmailJob.safeParse(payload);
  if (!parsed.success) return null;
  const job = parsed.data;
  if (!isTemplated(job)) return job;
  if (!job.link) return job;
  const { sealed: _sealed, link_id: _id, ...link } = job.link;
  return { ...job, link };
}

/** Registers the `email.send` handler and the portal's templates; call before the listener. */
export function registerEmailHandlers(): void {
  registerEmailTemplate(magicLinkTemplate);
  registerQueueHandler(EMAIL_SEND, deliverEmail, {
    schema: EmailJob,
    redactForDeadLetter: redactEmail,
    keepForResend,
    onDeadLetter: (op, payload) =>
      countEmail(op, (payload as { org?: string } | null)?.org, "dead"),
    // A re-send is a new email: a new idempotency key, so neither our dedup nor Resend's
    // 24-hour cache answers it with the first attempt's failure.
    prepareResend: (kept, n) => {
      const job = kept as EmailJob;
      return { ...job, idempotency_key: `${job.idempotency_key.slice(0, 230)}~resend-${n}` };
    },
  });
}
