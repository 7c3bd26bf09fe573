/**
 * One outgoing email, as queued and as handed to a mail adapter, and the adapter interface.
 */
import { z } from "zod";

/** Resend's tag rule: ASCII letters, digits, `_` and `-`, at most 256 characters. */
const TagPart = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "letters, digits, _ and - only");

export const EmailSchema = z.object({
  /** The org the email is sent for: scopes its dead letter to that org's operators. */
  org: z.string().min(1).max(200).optional(),
  to: z.array(z.email()).min(1).max(50),
  reply_to: z.email().optional(),
  subject: z.string().trim().min(1).max(500).refine((s) => !/[\r\n]/.test(s), "one line"),
  html: z.string().min(1).max(50_000),
  text: z.string().min(1).max(20_000),
  /**
   * Names this email for its whole life: it dedups the enqueue, marks it sent, and is sent
   * as the `Idempotency-Key` header on every delivery attempt. Never put a token in it.
   */
  idempotency_key: z.string().regex(/^[\x21-\x7e]{1,256}$/, "1–256 visible ASCII characters"),
  tags: z.array(z.object({ name: TagPart, value: TagPart })).max(10).optional(),
});

export type Email = z.infer<typeof EmailSchema>;

export interface SendResult {
  /** The provider's id for the email (Resend's `id`, the outbox entry's id). */
  provider_id: string;
}

/**
 * Delivers one email. Throws RetryableError (with `retryAfterMs` when the receiver said) for
 * failures that may pass, PermanentError when the receiver rejected the email itself.
 * Must be safe to call again with the same `idempotency_key`: it sends at most once.
 */
export interface MailAdapter {
  readonly name: string;
  send(email: Email): Promise<SendResult>;
}

/**
 * The mail service says an email with this idempotency key was already accepted (Resend's
 * 409 `invalid_idempotent_request`: the same key with another body, which happens when a
 * redelivery re-rendered an email whose first attempt went out but was not recorded).
 * Nothing more is to be sent: the delivery records it as sent.
 */
export class AlreadySentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AlreadySentError";
  }
}

/**
 * Raw portal secrets (link tokens `mpl_`, API keys `mpk_`, staff sessions `mps_`): never in
 * a queued email. Queue messages are KV values, and KV keeps its own copy of a message it
 * gives up on (`keysIfUndelivered`), so a link travels as a `link` spec instead (below).
 */
const RAW_SECRET = /mp[lks]_[A-Za-z0-9_-]{49}/;
export function holdsRawSecret(text: string): boolean {
  return RAW_SECRET.test(text);
}

const OneLine = (max: number) =>
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  z.string().trim().min(1).max(max).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "one line");

/**
 * The portal link an email carries, as what to make of it rather than a URL: the link is
 * opened (a sealed token from this process, lib/access/link_seal.ts) or minted when the email
 * is delivered (lib/access/email_links.ts), so the queue never holds a raw token.
 */
export const EmailLinkSpec = z.object({
  customer_ref: z.string().min(1).max(100),
  /** Why the link exists (lib/access/tokens.ts LinkSource; email sources only). */
  source: z.enum(["magic_link_email", "status_email"]),
  created_by: z.object({
    kind: z.enum(["cli", "api_key", "staff", "system"]),
    email: z.string().max(254).optional(),
  }),
  recipient_name: OneLine(200).optional(),
  recipient_email: z.email().optional(),
  label: OneLine(100).optional(),
  /** Appended to `/customer/{token}`, e.g. `/orders/ORD-1`. */
  path: z.string().max(300).regex(/^(\/[A-Za-z0-9._~%-]+)*$/).optional(),
  /** The link made with the job (its id) and its token, sealed; absent: mint at delivery. */
  link_id: z.string().max(40).optional(),
  sealed: z.string().max(500).optional(),
});
export type EmailLinkSpec = z.infer<typeof EmailLinkSpec>;

/** A queued email rendered by its sender (no link inside: `holdsRawSecret` is refused). */
export const RenderedEmailJob = EmailSchema.refine(
  (e) => !holdsRawSecret(`${e.subject}\n${e.html}\n${e.text}`),
  "A queued email must not hold a raw link token; send a template with a link spec.",
);

/**
 * A queued email rendered when it is delivered (and again when a dead letter is re-sent):
 * the template's name and data, and the link to put in it.
 */
export const TemplatedEmailJob = z.object({
  org: z.string().min(1).max(200),
  to: z.array(z.email()).min(1).max(50),
  reply_to: z.email().optional(),
  /** For listings only (dead letters): the subject as it was when queued. */
  subject: z.string().max(500),
  template: z.string().regex(/^[a-z_]{1,40}$/),
  data: z.record(z.string(), z.unknown()),
  link: EmailLinkSpec.optional(),
  idempotency_key: z.string().regex(/^[\x21-\x7e]{1,256}$/),
  tags: z.array(z.object({ name: TagPart, value: TagPart })).max(10).optional(),
}).refine((e) => !holdsRawSecret(JSON.stringify(e.data)), "no raw secret in template data");
export type TemplatedEmailJob = z.infer<typeof TemplatedEmailJob>;

/** What the `email.send` queue message carries. */
export const EmailJob = z.union([TemplatedEmailJob, RenderedEmailJob]);
export type EmailJob = z.infer<typeof EmailJob>;

export function isTemplated(job: EmailJob): job is TemplatedEmailJob {
  return "template" in job;
}
