/**
 * What domain code throws when a request cannot be served as asked. Each class says what
 * went wrong in the domain's words, never how HTTP says it: `lib/http/errors.ts` maps each
 * to a status and the contract's JSON error (`routes/_middleware.ts` is the one place that
 * does), and the CLI to an exit code. `fields` holds per-field messages where a form or body
 * can be corrected field by field.
 */
export type Fields = Record<string, string[]>;

export abstract class DomainError extends Error {
  constructor(message: string, readonly fields?: Fields) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The thing asked for does not exist, or not for this caller (never "exists elsewhere"). */
export class NotFoundError extends DomainError {}

/** A concurrent change won; the same request may succeed if sent again. */
export class ConflictError extends DomainError {}

/** Well-formed input that breaks a rule; `fields` says which and why. */
export class InvalidInputError extends DomainError {
  constructor(fields: Fields, message = "Some fields are invalid.") {
    super(message, fields);
  }
}

/**
 * An idempotency key sent again with a different request: the key names the first request
 * (Stripe's rule), so this one is refused and nothing of it is stored.
 */
export class IdempotencyKeyReusedError extends DomainError {}

/** Input that cannot be read at all (not JSON, a broken form, a cursor we did not issue). */
export class MalformedInputError extends DomainError {}

/** Input over a size limit, refused while it was being read. */
export class TooLargeError extends DomainError {}

/** A file or body of a type that is not accepted. */
export class UnsupportedTypeError extends DomainError {}

/** The caller has used up its allowance; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number, message: string, fields?: Fields) {
    super(message, fields);
  }
}

/**
 * A storage quota is used up for now (photos per customer per day): nothing of the request
 * was kept; the same request fits again after `retryAfterSeconds`, or without what is over.
 */
export class QuotaExceededError extends RateLimitedError {}

/**
 * The work cannot be done just now (too much of it waiting, or a failure on our side that
 * passes), through no fault of the caller: the same request may succeed after
 * `retryAfterSeconds`. `message` is what the client is told, so it names no internals.
 */
export class UnavailableError extends DomainError {
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(message);
  }
}

/** The caller's credentials are missing or unknown. */
export class UnauthorizedError extends DomainError {}

/** The caller is known but this request is refused (e.g. a cross-site form post). */
export class ForbiddenError extends DomainError {}

/** Per-field messages from a zod error: `{ "lines.0.qty_ordered": ["…"] }`. */
export function fieldsFromZod(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): Fields {
  const fields: Fields = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/**
 * Validates with a zod schema, throwing InvalidInputError with per-field messages.
 * `const order = parseInput(OrderInput, body)`
 */
export function parseInput<T>(
  schema: {
    safeParse(v: unknown):
      | { success: true; data: T }
      | {
        success: false;
        error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
      };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(fieldsFromZod(parsed.error.issues));
  return parsed.data;
}
