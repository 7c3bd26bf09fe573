/**
 * How a queue handler tells the queue what its failure means. Any other thrown error is
 * treated as retryable (a bug or an outage may go away); a zod error is permanent (the same
 * payload will never validate).
 */

/** Try again later; `retryAfterMs` (e.g. from a `Retry-After` header) is a lower bound. */
export class RetryableError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = "RetryableError";
  }
}

/** Retrying cannot help (the receiver rejected the content): dead-letter at once. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}

/** A one-line error text for logs and dead letters, bounded so a huge message can't bloat KV. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
