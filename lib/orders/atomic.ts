/**
 * What the org, customer, order and shipment writers share: retries of versionstamp-checked
 * atomic operations, a per-customer queue in this process, and the value-size budget.
 */

/** Attempts before a write that keeps losing races gives up with ConflictError. */
export const MAX_ATTEMPTS = 8;
/** Headroom under Deno KV's 65,536-byte value limit. */
export const MAX_VALUE_BYTES = 60_000;

// Deno KV's value encoding uses at most 2 bytes per UTF-16 unit; JSON's quotes and commas
// cover the per-field tags, so twice the JSON length is a safe upper bound.
export function estimateBytes(value: unknown): number {
  return JSON.stringify(value).length * 2;
}

/**
 * Writes that rewrite the same customer's heads would fail each other's versionstamp checks
 * when they race; within a process they queue here per customer instead (processes sharing
 * a KV still settle through the checks and retries).
 */
const customerLocks = new WeakMap<Deno.Kv, Map<string, Promise<void>>>();

export async function lockCustomer(kv: Deno.Kv, org: string, ref: string): Promise<() => void> {
  let locks = customerLocks.get(kv);
  if (!locks) customerLocks.set(kv, locks = new Map());
  const id = `${org}\u0000${ref}`;
  const before = locks.get(id) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => release = r);
  const tail = before.then(() => mine);
  locks.set(id, tail);
  await before;
  return () => {
    release();
    if (locks.get(id) === tail) locks.delete(id);
  };
}

/** A short random pause before a retry, growing with the attempt, so racers stop colliding. */
export function retryPause(attempt: number): Promise<void> {
  if (attempt === 0) return Promise.resolve();
  return new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 6)));
}
