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
