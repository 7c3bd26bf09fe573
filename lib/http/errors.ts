/**
 * The one HTTP error shape: `{error: {code, message, fields?}}`. Anything a client can cause
 * is thrown as an HttpError and becomes that JSON (or the matching page) in one place.
 */
export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "link_invalid"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "service_unavailable"
  | "internal_error";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string, fields?: Record<string, string[]>) {
  return { error: fields ? { code, message, fields } : { code, message } };
}

/** A JSON error response in the portal's one shape. */
export function jsonError(err: HttpError): Response {
  const headers = new Headers(err.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(errorBody(err.code, err.message, err.fields)), {
    status: err.status,
    headers,
  });
}

/** Turns a zod error into per-field messages for a 422. */
export function fieldsFromZod(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

export const notFound = (message = "Not found") => new HttpError(404, "not_found", message);
