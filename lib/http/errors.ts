/**
 * The one mapping from what went wrong to what the client is told: each typed error of
 * `lib/errors.ts` (and the framework's `HttpError`) becomes a status, the contract's error
 * code, its message, per-field messages and any headers the answer needs. Anything else is
 * unexpected: a 500 that says nothing about its cause. `routes/_middleware.ts` uses this for
 * every request, as JSON under `/api` and as the `_error` page elsewhere.
 */
import { HttpError } from "fresh";
import {
  ConflictError,
  type Fields,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  MalformedInputError,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  TooLargeError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedTypeError,
} from "@/lib/errors.ts";
import { LinkInvalidError } from "@/lib/access/tokens.ts";

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "link_invalid"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "idempotency_key_reused"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "quota_exceeded"
  | "service_unavailable"
  | "internal_error";

export interface Problem {
  status: number;
  code: ErrorCode;
  message: string;
  fields?: Fields;
  /** Headers this kind of answer needs (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers: Headers;
}

const CODES: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_failed",
  429: "rate_limited",
  503: "service_unavailable",
};

export const INTERNAL_MESSAGE = "Something went wrong on our side.";

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "The request is not valid.",
  404: "No such endpoint.",
  405: "Method not allowed.",
};

function problem(
  status: number,
  code: ErrorCode,
  message: string,
  fields?: Fields,
  headers?: HeadersInit,
): Problem {
  return { status, code, message, ...(fields ? { fields } : {}), headers: new Headers(headers) };
}

/** The client's answer for `err`, or null when the error is unexpected (a bug or an outage). */
export function problemOf(err: unknown): Problem | null {
  if (err instanceof LinkInvalidError) return problem(401, "link_invalid", err.message);
  if (err instanceof RateLimitedError) {
    const code = err instanceof QuotaExceededError ? "quota_exceeded" : "rate_limited";
    return problem(429, code, err.message, err.fields, {
      "retry-after": String(Math.max(1, Math.ceil(err.retryAfterSeconds))),
    });
  }
  if (err instanceof UnavailableError) {
    return problem(503, "service_unavailable", err.message, undefined, {
      "retry-after": String(Math.max(1, Math.ceil(err.retryAfterSeconds))),
    });
  }
  if (err instanceof UnauthorizedError) {
    return problem(401, "unauthorized", err.message, undefined, {
      "www-authenticate": 'Bearer realm="admin"',
      "cache-control": "no-store",
    });
  }
  if (err instanceof ForbiddenError) return problem(403, "forbidden", err.message);
  if (err instanceof NotFoundError) return problem(404, "not_found", err.message);
  if (err instanceof ConflictError) return problem(409, "conflict", err.message, err.fields);
  if (err instanceof IdempotencyKeyReusedError) {
    return problem(422, "idempotency_key_reused", err.message);
  }
  if (err instanceof InvalidInputError) {
    return problem(422, "validation_failed", err.message, err.fields);
  }
  if (err instanceof MalformedInputError) {
    return problem(400, "bad_request", err.message, err.fields);
  }
  if (err instanceof TooLargeError) {
    return problem(413, "payload_too_large", err.message, err.fields);
  }
  if (err instanceof UnsupportedTypeError) {
    return problem(415, "unsupported_media_type", err.message, err.fields);
  }
  // A 503 says a provider we depend on is down (the staff sign-in's OpenID provider): the
  // client may try again. Any other 5xx is unexpected.
  if (err instanceof HttpError && (err.status < 500 || err.status === 503)) {
    const code = CODES[err.status] ?? "bad_request";
    return problem(
      err.status,
      code,
      err.message || DEFAULT_MESSAGES[err.status] || "The request was refused.",
      undefined,
      err.headers,
    );
  }
  if (err instanceof URIError) return problem(400, "bad_request", "The URL is not valid.");
  return null;
}

/** The answer for an unexpected error. */
export function internalProblem(): Problem {
  return problem(500, "internal_error", INTERNAL_MESSAGE);
}

export function errorBody(p: Pick<Problem, "code" | "message" | "fields">) {
  return {
    error: p.fields
      ? { code: p.code, message: p.message, fields: p.fields }
      : { code: p.code, message: p.message },
  };
}

/** The contract's JSON error: `{error: {code, message, fields?}}` with the problem's headers. */
export function jsonError(p: Problem): Response {
  const headers = new Headers(p.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(errorBody(p)), { status: p.status, headers });
}
