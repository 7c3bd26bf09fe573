/**
 * Sends through Resend's HTTP API: `POST {base}/emails` with a bearer key, the JSON body
 * `{from, to, subject, html, text, reply_to?, tags?}` and an `Idempotency-Key` header, so a
 * retried request within Resend's 24-hour window returns the first result and sends nothing.
 *
 * Why plain fetch and not the `resend` SDK (v6): the SDK reads `RESEND_BASE_URL` from the
 * process environment when it is imported (configuration here is read once, in
 * `lib/config.ts`), and its `{data, error}` result drops the HTTP status and the
 * `Retry-After` header and turns network failures into a generic error; telling a retryable
 * failure from a permanent one needs exactly those. The wire format is the same.
 */
import { z } from "zod";
import { PermanentError, RetryableError } from "@/lib/queue/errors.ts";
import type { Email, MailAdapter, SendResult } from "./message.ts";

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
    let res: Response;
    try {
      res = await this.#opts.fetch(`${this.#opts.baseUrl}/emails`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#opts.apiKey}`,
          "content-type": "application/json",
          "idempotency-key": email.idempotency_key,
          "user-agent": "monopilot-portal",
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
    } catch (err) {
      // Timeout, refused connection, DNS: the email may or may not have gone out; the same
      // idempotency key on the retry makes that safe.
      throw new RetryableError(`Resend unreachable: ${(err as Error).name}`);
    }

    const raw = await res.text().catch(() => "");
    if (res.ok) {
      const parsed = SuccessBody.safeParse(safeJson(raw));
      if (!parsed.success) throw new RetryableError(`Resend ${res.status}: unexpected body`);
      return { provider_id: parsed.data.id };
    }

    const err = ErrorBody.safeParse(safeJson(raw));
    const name = err.success ? err.data.name ?? "error" : "error";
    const detail = err.success && err.data.message ? `: ${err.data.message.slice(0, 300)}` : "";
    const text = `Resend ${res.status} ${name}${detail}`;
    if (isRetryable(res.status, name)) {
      throw new RetryableError(text, retryAfterMs(res.headers.get("retry-after")));
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

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
