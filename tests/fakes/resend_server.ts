/**
 * A local stand-in for Resend's `POST /emails`, built from its API reference: bearer auth
 * (401 `missing_api_key`, 403 `invalid_api_key`), JSON validation (422 with
 * `{statusCode, name, message}`), `{id}` on success, and idempotency keys: a repeat with the
 * same key and body returns the first `{id}` and sends nothing; the same key with another
 * body is 409 `invalid_idempotent_request`; a key over 256 characters is 400
 * `invalid_idempotency_key`.
 *
 * Tests script the next answers (`script([...])`): a fixed failure, or `accept_then_fail`,
 * which records the email and then answers 500 as if the response were lost on the way back.
 */
import { z } from "zod";

export interface ReceivedRequest {
  idempotencyKey: string | null;
  authorization: string | null;
  body: unknown;
  status: number;
}

export interface DeliveredEmail {
  id: string;
  idempotencyKey: string | null;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  reply_to?: string | string[];
  tags?: { name: string; value: string }[];
}

export type ScriptedAnswer =
  | { status: number; name?: string; message?: string; retryAfter?: string }
  | { kind: "accept_then_fail" };

const Recipients = z.union([z.string().min(3), z.array(z.string().min(3)).min(1).max(50)]);
const SendBody = z.object({
  from: z.string().min(3),
  to: Recipients,
  subject: z.string().min(1),
  html: z.string().optional(),
  text: z.string().optional(),
  reply_to: Recipients.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  tags: z.array(z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
    value: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
  })).optional(),
}).refine((b) => b.html !== undefined || b.text !== undefined, {
  message: "Missing `html` or `text` field.",
});

export class FakeResend {
  readonly requests: ReceivedRequest[] = [];
  readonly emails: DeliveredEmail[] = [];
  #answers: ScriptedAnswer[] = [];
  #byKey = new Map<string, { body: string; id: string }>();
  #server: Deno.HttpServer<Deno.NetAddr>;
  #seq = 0;
  readonly url: string;

  constructor(readonly apiKey = "re_test_key") {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The next answers, in order; after them the fake behaves like a healthy Resend. */
  script(answers: ScriptedAnswer[]) {
    this.#answers.push(...answers);
  }

  close(): Promise<void> {
    return this.#server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const text = await req.text();
    const idempotencyKey = req.headers.get("idempotency-key");
    const authorization = req.headers.get("authorization");
    const answer = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      this.requests.push({ idempotencyKey, authorization, body, status });
      return Response.json(data, { status, headers });
    };
    const error = (status: number, name: string, message: string, h?: Record<string, string>) =>
      answer(status, { statusCode: status, name, message }, h);

    if (url.pathname !== "/emails") return error(404, "not_found", "Route not found.");
    if (req.method !== "POST") return error(405, "method_not_allowed", "Method not allowed.");
    if (!authorization) return error(401, "missing_api_key", "Missing API key in the header.");
    if (authorization !== `Bearer ${this.apiKey}`) {
      return error(403, "invalid_api_key", "API key is invalid.");
    }
    if (idempotencyKey !== null && (idempotencyKey.length < 1 || idempotencyKey.length > 256)) {
      return error(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
    }

    const scripted = this.#answers.shift();
    if (scripted && !("kind" in scripted)) {
      const headers: Record<string, string> = scripted.retryAfter
        ? { "retry-after": scripted.retryAfter }
        : {};
      return error(
        scripted.status,
        scripted.name ?? (scripted.status === 429 ? "rate_limit_exceeded" : "application_error"),
        scripted.message ?? "Scripted failure.",
        headers,
      );
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return error(422, "validation_error", "The body is not valid JSON.");
    }
    const parsed = SendBody.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return error(422, "validation_error", `${issue.path.join(".")}: ${issue.message}`);
    }

    if (idempotencyKey !== null) {
      const seen = this.#byKey.get(idempotencyKey);
      if (seen && seen.body !== text) {
        return error(
          409,
          "invalid_idempotent_request",
          "Same idempotency key used with a different request payload.",
        );
      }
      if (seen) return answer(200, { id: seen.id });
    }

    const id = `fake-${++this.#seq}`;
    const b = parsed.data;
    this.emails.push({
      id,
      idempotencyKey,
      from: b.from,
      to: Array.isArray(b.to) ? b.to : [b.to],
      subject: b.subject,
      html: b.html,
      text: b.text,
      reply_to: b.reply_to,
      tags: b.tags,
    });
    if (idempotencyKey !== null) this.#byKey.set(idempotencyKey, { body: text, id });
    if (scripted) {
      // accept_then_fail: the email went out, but the client never learns it.
      return error(500, "application_error", "Scripted: accepted, then the response was lost.");
    }
    return answer(200, { id });
  }
}
