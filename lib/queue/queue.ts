/**
 * The portal's one background queue, on Deno KV's queue. Every message has the same shape,
 * `{type, id, payload, attempt}`; handlers are registered by type by the domain that owns
 * them (email, issues, tracking) and dispatched by one listener.
 *
 * Delivery is at least once (KV may redeliver after a crash or a lost ack), so handlers must
 * make their visible effect idempotent, e.g. with a "done" marker in KV or an idempotency key
 * at the receiver. The queue itself guarantees:
 * - `enqueue` with a `key` is a no-op the second time (the dedup record is written in the same
 *   atomic operation as the enqueue, so two racing callers cannot both enqueue);
 * - a failing handler is retried by re-enqueueing the message with `attempt + 1` after a
 *   backoff delay (at least the receiver's `Retry-After`); the re-enqueue is itself keyed by
 *   `(id, attempt)`, so a redelivered failure cannot fork the retry chain into two;
 * - after the last attempt, or at once for a PermanentError, the message becomes a dead
 *   letter (`lib/queue/dead_letters.ts`) with the error text and time, for operators.
 * If the listener itself cannot finish (process crash, KV error), KV's own redelivery
 * applies, and once KV gives up it stores the raw message at the same dead-letter key
 * (`keysIfUndelivered`), so nothing is silently lost.
 */
import { z } from "zod";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import { type DeadLetterInput, deadLetterKeys, orgOf, writeDeadLetter } from "./dead_letters.ts";
import { errorText, PermanentError, RetryableError } from "./errors.ts";
import { timeOrderedId } from "./ids.ts";

export { PermanentError, RetryableError } from "./errors.ts";
export { type DeadLetter, listDeadLetters } from "./dead_letters.ts";

/** The one queue message format. */
export interface QueueMessage<P = unknown> {
  type: string;
  id: string;
  payload: P;
  /** 1 on the first delivery, +1 on each retry. */
  attempt: number;
}

const QueueMessageSchema = z.object({
  type: z.string().min(1).max(100),
  id: z.string().min(1).max(100),
  payload: z.unknown(),
  attempt: z.number().int().min(1),
});

export interface HandlerMeta {
  id: string;
  type: string;
  attempt: number;
  /** True when no retry follows a failure of this attempt. */
  lastAttempt: boolean;
}

export type QueueHandler<P = unknown> = (
  payload: P,
  services: Services,
  meta: HandlerMeta,
) => Promise<void>;

export interface HandlerOptions<P> {
  /** Validates the payload before the handler runs; a mismatch is a permanent failure. */
  schema?: z.ZodType<P>;
  /** What of the payload a dead letter lists (`GET …/dead-letters`); default: all of it. */
  redactForDeadLetter?: (payload: unknown) => unknown;
  /**
   * What a dead letter keeps to run the message again (staff re-send it), or null when it
   * cannot be re-run; default: the payload as it is. Never a secret: dead letters are read
   * by staff, and kept `DEAD_LETTER_RETENTION_DAYS`.
   */
  keepForResend?: (payload: unknown) => unknown | null;
  /** Adds the type's own records (a counter) to the dead letter's atomic operation. */
  onDeadLetter?: (op: Deno.AtomicOperation, payload: unknown) => void;
  /** The payload of the n-th re-send (e.g. a new idempotency key); default: as kept. */
  prepareResend?: (kept: unknown, n: number) => unknown;
}

interface Registration {
  handler: QueueHandler<unknown>;
  options: HandlerOptions<unknown>;
}

const handlers = new Map<string, Registration>();

/**
 * Registers the handler for one message type. Registering the same function again is a
 * no-op (tests and main may both call a domain's `register…()`); a different handler for a
 * type that is taken is a programming error, caught at start-up.
 */
export function registerQueueHandler<P>(
  type: string,
  handler: QueueHandler<P>,
  options: HandlerOptions<P> = {},
): void {
  const existing = handlers.get(type);
  if (existing && existing.handler !== handler) {
    throw new Error(`A different queue handler is already registered for "${type}".`);
  }
  handlers.set(type, {
    handler: handler as QueueHandler<unknown>,
    options: options as HandlerOptions<unknown>,
  });
}

export interface RetryPolicy {
  /** Delay before retry n (n = 1…); its length + 1 is the number of attempts. */
  retryDelaysMs: number[];
  /** A receiver's `Retry-After` is honoured up to this bound. */
  maxRetryAfterMs: number;
  /** Randomly spreads each delay by ±this fraction so failed messages don't retry in step. */
  jitter: number;
}

/** About 2 h 40 min from the first failure to the dead letter: outlasts a typical outage. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryDelaysMs: [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000],
  maxRetryAfterMs: 3_600_000,
  jitter: 0.2,
};

let policy: RetryPolicy = DEFAULT_RETRY_POLICY;

/** How long a `key` keeps a second enqueue a no-op, unless the caller says otherwise. */
export const DEFAULT_DEDUP_MS = 30 * 24 * 3_600_000;

/** A KV queue message is one KV value; leave room for the envelope. */
const MAX_MESSAGE_BYTES = 60_000;

export interface EnqueueOptions {
  /** Idempotency key: while its record lives (`dedupForMs`), enqueueing it again does nothing. */
  key?: string;
  delayMs?: number;
  dedupForMs?: number;
  /** Adds the caller's records (a counter) to the enqueue's own atomic operation. */
  also?: (op: Deno.AtomicOperation) => void;
}

export interface EnqueueResult {
  /** The message id; for a duplicate key, the id of the message enqueued first. */
  id: string;
  /** False when the key had already been used. */
  enqueued: boolean;
}

const keys = {
  dedup: (key: string): Deno.KvKey => ["queue_dedup", "key", key],
  retryDedup: (id: string, attempt: number): Deno.KvKey => ["queue_dedup", "retry", id, attempt],
};

/**
 * Enqueues a message of `type` for its registered handler.
 *
 * @example
 * await enqueue(services, "email.send", email, { key: `email:${email.idempotencyKey}` });
 */
export async function enqueue(
  services: Services,
  type: string,
  payload: unknown,
  opts: EnqueueOptions = {},
): Promise<EnqueueResult> {
  if (opts.key !== undefined && (opts.key.length === 0 || opts.key.length > 1000)) {
    throw new Error("A queue idempotency key is 1–1000 characters.");
  }
  const msg: QueueMessage = { type, id: timeOrderedId(), payload, attempt: 1 };
  const key = opts.key === undefined ? undefined : keys.dedup(opts.key);
  const ok = await commitEnqueue(services, msg, {
    dedup: key,
    delayMs: opts.delayMs,
    dedupForMs: opts.dedupForMs ?? DEFAULT_DEDUP_MS,
    also: opts.also,
  });
  if (ok || !key) return { id: msg.id, enqueued: true };
  const first = await services.kv.get<{ id: string }>(key);
  return { id: first.value?.id ?? msg.id, enqueued: false };
}

/** Whether `key` was used by an `enqueue` whose dedup record still lives (`dedupForMs`). */
export async function enqueueKeyUsed(kv: Deno.Kv, key: string): Promise<boolean> {
  return (await kv.get(keys.dedup(key))).versionstamp !== null;
}

async function commitEnqueue(
  services: Services,
  msg: QueueMessage,
  opts: {
    dedup?: Deno.KvKey;
    delayMs?: number;
    dedupForMs: number;
    also?: (op: Deno.AtomicOperation) => void;
  },
): Promise<boolean> {
  checkSize(msg);
  const op = services.kv.atomic();
  opts.also?.(op);
  if (opts.dedup) {
    op.check({ key: opts.dedup, versionstamp: null }).set(
      opts.dedup,
      { id: msg.id, type: msg.type, at: services.clock.now().toISOString() },
      { expireIn: opts.dedupForMs },
    );
  }
  op.enqueue(msg, {
    delay: Math.max(0, Math.round(opts.delayMs ?? 0)),
    keysIfUndelivered: deadLetterKeys(msg.id, orgOf(msg.payload)),
  });
  const res = await op.commit();
  if (res.ok) services.queueObserver?.enqueued?.(msg);
  return res.ok;
}

/**
 * Adds a message to the caller's own atomic operation, so it is enqueued if and only if that
 * operation commits (e.g. a ticket and its email job). The caller does its own dedup checks
 * in the same operation, or passes `key` to make the operation fail when that key was
 * enqueued before (as `enqueue`'s `key`). Returns the message (its `id` is the dead-letter id).
 *
 * @example
 * const op = kv.atomic().check(...).set(ticketKey, ticket);
 * enqueueInAtomic(services, op, "issues.ticket_emails", { org, ticket_number });
 * if (!(await op.commit()).ok) { ... }
 */
export function enqueueInAtomic<P>(
  services: Services,
  op: Deno.AtomicOperation,
  type: string,
  payload: P,
  opts: {
    delayMs?: number;
    /** As `enqueue`'s `key`: the operation fails if this key was enqueued before. */
    key?: string;
    /**
     * Records this idempotency key as used (for `dedupForMs`), so a later `enqueue` with it is
     * a no-op; it is not checked here (this message is enqueued whenever the op commits).
     */
    claimKey?: string;
    dedupForMs?: number;
  } = {},
): QueueMessage<P> {
  const msg: QueueMessage<P> = { type, id: timeOrderedId(), payload, attempt: 1 };
  checkSize(msg);
  const dedupKey = opts.key ?? opts.claimKey;
  if (dedupKey !== undefined) {
    const dedup = keys.dedup(dedupKey);
    if (opts.key !== undefined) op.check({ key: dedup, versionstamp: null });
    op.set(
      dedup,
      { id: msg.id, type, at: services.clock.now().toISOString() },
      { expireIn: opts.dedupForMs ?? DEFAULT_DEDUP_MS },
    );
  }
  op.enqueue(msg, {
    delay: Math.max(0, Math.round(opts.delayMs ?? 0)),
    keysIfUndelivered: deadLetterKeys(msg.id, orgOf(payload)),
  });
  const observer = services.queueObserver;
  if (observer?.enqueued) {
    // The observer must hear of the message only once the caller's commit is ok; the
    // operation is the caller's, so wrap its commit for this one purpose.
    const commit = op.commit.bind(op);
    op.commit = async () => {
      const res = await commit();
      if (res.ok) observer.enqueued?.(msg);
      return res;
    };
  }
  return msg;
}

function checkSize(msg: QueueMessage) {
  const size = new TextEncoder().encode(JSON.stringify(msg)).length;
  if (size > MAX_MESSAGE_BYTES) {
    throw new Error(
      `Queue message "${msg.type}" is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES}.`,
    );
  }
}

/**
 * Handles one delivered message: runs its handler, and on failure schedules the retry or
 * writes the dead letter. Never throws for a handler's failure (that would make KV redeliver
 * with its own schedule); it throws only when KV itself fails, and then KV's redelivery is
 * exactly what we want. Exported so tests can simulate a redelivery.
 */
export async function handleQueueMessage(services: Services, raw: unknown): Promise<void> {
  const parsed = QueueMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const id = timeOrderedId();
    await writeDeadLetter(services, {
      id,
      type: "malformed",
      attempt: 1,
      payload: raw,
      error: "The queue message does not have the {type, id, payload, attempt} shape.",
    });
    log.error("queue message malformed", { id });
    return;
  }
  const msg = parsed.data;
  const maxAttempts = policy.retryDelaysMs.length + 1;
  const lastAttempt = msg.attempt >= maxAttempts;
  const reg = handlers.get(msg.type);
  try {
    // Missing handler: likely an older/newer process version; retrying gives it a chance.
    if (!reg) throw new RetryableError(`No handler is registered for "${msg.type}".`);
    const payload = reg.options.schema
      ? parsePayload(reg.options.schema, msg.payload)
      : msg.payload;
    await reg.handler(payload, services, {
      id: msg.id,
      type: msg.type,
      attempt: msg.attempt,
      lastAttempt,
    });
    log.debug("queue message handled", { type: msg.type, id: msg.id, attempt: msg.attempt });
  } catch (err) {
    const permanent = err instanceof PermanentError || err instanceof z.ZodError;
    if (!permanent && !lastAttempt) {
      const delayMs = retryDelay(msg.attempt, err);
      const next: QueueMessage = { ...msg, attempt: msg.attempt + 1 };
      await commitEnqueue(services, next, {
        dedup: keys.retryDedup(msg.id, next.attempt),
        delayMs,
        dedupForMs: DEFAULT_DEDUP_MS,
      });
      log.warn("queue message failed; will retry", {
        type: msg.type,
        id: msg.id,
        attempt: msg.attempt,
        retry_in_ms: delayMs,
        error: errorText(err),
      });
      services.queueObserver?.retryScheduled?.({
        type: msg.type,
        id: msg.id,
        attempt: msg.attempt,
        delayMs,
        err,
      });
    } else {
      await writeDeadLetter(services, {
        ...deadLetterOf(msg),
        error: errorText(err),
      });
      log.error("queue message dead-lettered", {
        type: msg.type,
        id: msg.id,
        attempt: msg.attempt,
        permanent,
        error: errorText(err),
      });
    }
  } finally {
    services.queueObserver?.settled?.(msg);
  }
}

/**
 * A message as its dead letter keeps it: the listing's view and what a re-send needs, both
 * as the type's handler options say. Also used for the raw copies KV writes itself
 * (lib/queue/dead_letters.ts `sweepDeadLetters`).
 */
export function deadLetterOf(msg: QueueMessage): Omit<DeadLetterInput, "error"> {
  const reg = handlers.get(msg.type);
  const redact = reg?.options.redactForDeadLetter;
  const keep = reg?.options.keepForResend;
  const resend = keep ? keep(msg.payload) : msg.payload;
  return {
    id: msg.id,
    type: msg.type,
    attempt: msg.attempt,
    payload: redact ? redact(msg.payload) : msg.payload,
    org: orgOf(msg.payload),
    ...(resend === null || resend === undefined ? {} : { resend }),
    also: reg?.options.onDeadLetter
      ? (op: Deno.AtomicOperation) => reg.options.onDeadLetter!(op, msg.payload)
      : undefined,
  };
}

/** The payload a re-send of a dead letter of `type` enqueues, or null (no such handler). */
export function resendPayload(type: string, kept: unknown, n: number): unknown | null {
  const reg = handlers.get(type);
  if (!reg) return null;
  return reg.options.prepareResend ? reg.options.prepareResend(kept, n) : kept;
}

function parsePayload<P>(schema: z.ZodType<P>, payload: unknown): P {
  return schema.parse(payload);
}

function retryDelay(attempt: number, err: unknown): number {
  const base = policy.retryDelaysMs[attempt - 1] ?? policy.retryDelaysMs.at(-1) ?? 0;
  const spread = base * policy.jitter * (Math.random() * 2 - 1);
  const backoff = Math.max(0, Math.round(base + spread));
  const retryAfter = err instanceof RetryableError && err.retryAfterMs !== undefined
    ? Math.min(err.retryAfterMs, policy.maxRetryAfterMs)
    : 0;
  return Math.max(backoff, retryAfter);
}

export interface ListenerOptions {
  /** Overrides of the retry policy (tests use millisecond delays). */
  retry?: Partial<RetryPolicy>;
}

const listening = new WeakSet<Deno.Kv>();

/**
 * Starts dispatching this KV's queue to the registered handlers. Register handlers first.
 * The returned promise settles when the KV handle is closed.
 */
export function startQueueListener(
  services: Services,
  opts: ListenerOptions = {},
): Promise<void> {
  policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  if (listening.has(services.kv)) return Promise.resolve();
  listening.add(services.kv);
  return services.kv.listenQueue((raw) => handleQueueMessage(services, raw));
}

/**
 * Sees what this process's queue does, without changing it: each message committed to the
 * queue, each delivery settled (handled, rescheduled or dead-lettered) and each retry
 * scheduled. Injected through `Services.queueObserver` (tests wait for an idle queue with
 * it instead of sleeping); production runs without one.
 */
export interface QueueObserver {
  enqueued?(msg: QueueMessage): void;
  settled?(msg: QueueMessage): void;
  retryScheduled?(
    e: { type: string; id: string; attempt: number; delayMs: number; err: unknown },
  ): void;
}
