/**
 * Sends through Resend's HTTP API: `POST {base}/emails` with a bearer key, the JSON body
 * `{from, to, subject, html, text, reply_to?, tags?}` and an `Idempotency-Key` header, so a
 * retried request within Resend's 24-hour window returns the first result and sends nothing.
 *
 * Why not the `resend` SDK: 6.1.2 reads `RESEND_BASE_URL` from the process environment when
 * it is imported (configuration here is read once, in `lib/config.ts`), and its `{data,
 * error}` result drops the HTTP status and the `Retry-After` header that tell a retryable
 * failure from a permanent one. 6.38.0 fixes both (platform-facts.md), but adds nothing this
 * one POST needs: the request is built here and sent by `lib/http/client.ts`, and `resend`
 * is not a dependency.
 */
import { z } from "zod";
import { exchange, NetworkError, type OutboundAnswer } from "@/lib/http/client.ts";
import { parseJsonSafe } from "@/lib/http/json.ts";
import { retryAfterMs } from "@/lib/http/retry_after.ts";
import { PermanentError, RetryableError } from "@/lib/queue/errors.ts";
import { AlreadySentError, type Email, type MailAdapter, type SendResult } from "./message.ts";

export interface ResendOptions {
  apiKey: string;
  /** `https://api.resend.com` unless configured (tests point it at a local server). */
  baseUrl?: string;
  from: string;
  /** Per-request timeout; a timeout is retried with the same idempotency key. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const SuccessBody = z.object({ id: z.string().min(1) });
const ErrorBody = z.object({
  name: z.string().optional(),
  message: z.string().optional(),
  statusCode: z.number().optional(),
}).passthrough();

export class ResendMailer implements MailAdapter {
  readonly name = "resend";
  readonly #opts: Required<Omit<ResendOptions, "fetch">> & { fetch: typeof fetch };

  constructor(opts: ResendOptions) {
    this.#opts = {
      baseUrl: "https://api.resend.com",
      timeoutMs: 15_000,
      fetch: globalThis.fetch,
      ...opts,
    };
    this.#opts.baseUrl = this.#opts.baseUrl.replace(/\/+$/, "");
  }

  async send(email: Email): Promise<SendResult> {
    const body = {
      from: this.#opts.from,
      to: email.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
      ...(email.reply_to ? { reply_to: email.reply_to } : {}),
      ...(email.tags?.length ? { tags: email.tags } : {}),
    };
    let res: OutboundAnswer;
    try {
      res = await exchange({
        url: `${this.#opts.baseUrl}/emails`,
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#opts.apiKey}`,
          "content-type": "application/json",
          "idempotency-key": email.idempotency_key,
          "user-agent": "monopilot-portal",
        },
        body: JSON.stringify(body),
      }, { fetch: this.#opts.fetch, timeoutMs: this.#opts.timeoutMs });
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      // Timeout, refused connection, DNS: the email may or may not have gone out; the same
      // idempotency key on the retry makes that safe.
      throw new RetryableError(`Resend unreachable: ${err.cause.name}`);
    }

    const raw = res.text;
    if (res.ok) {
      const parsed = SuccessBody.safeParse(parseJsonSafe(raw));
      if (!parsed.success) throw new RetryableError(`Resend ${res.status}: unexpected body`);
      return { provider_id: parsed.data.id };
    }

    const err = ErrorBody.safeParse(parseJsonSafe(raw));
    const name = err.success ? err.data.name ?? "error" : "error";
    const detail = err.success && err.data.message ? `: ${err.data.message.slice(0, 300)}` : "";
    const text = `Resend ${res.status} ${name}${detail}`;
    // Another body was already accepted under this key: the email went out (send.ts).
    if (res.status === 409 && name === "invalid_idempotent_request") {
      throw new AlreadySentError(text);
    }
    if (isRetryable(res.status, name)) {
      throw new RetryableError(text, retryAfterMs(res.header("retry-after")));
    }
    throw new PermanentError(text);
  }
}

/**
 * 429 (rate limit, quota), 5xx, 408, and 409 `concurrent_idempotent_requests` (another
 * attempt with this key is in flight) may pass. Every other 4xx means Resend rejected this
 * email or our key (validation, auth, `invalid_idempotent_request`): retrying the same
 * request cannot succeed.
 */
function isRetryable(status: number, name: string): boolean {
  if (status === 429 || status === 408 || status >= 500) return true;
  return status === 409 && name === "concurrent_idempotent_requests";
}
