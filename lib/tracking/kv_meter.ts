/**
 * Counts what a piece of work asks of Deno KV, by wrapping the handle, so the poller's
 * per-round "KV operations" are measured, not estimated (the bench and tests wrap the whole
 * handle the same way and compare):
 * - `calls`: round trips: each get, getMany, set, delete, enqueue and atomic commit is one;
 *   a list is one per batch it fetches (Deno fetches `batchSize` entries at a time: the
 *   limit, or 100, at most 500);
 * - `reads`: keys read (a getMany of 10 is 10, each listed entry is one);
 * - `writes`: mutations written (each set, delete, sum and enqueue, inside atomics too).
 */

export interface KvMeter {
  calls: number;
  reads: number;
  writes: number;
}

export const newMeter = (): KvMeter => ({ calls: 0, reads: 0, writes: 0 });

const MUTATIONS = new Set(["set", "delete", "sum", "min", "max", "enqueue"]);

function meteredAtomic(op: Deno.AtomicOperation, meter: KvMeter): Deno.AtomicOperation {
  let mutations = 0;
  const realCommit = op.commit.bind(op);
  const counted = () => {
    meter.calls++;
    meter.writes += mutations;
    return realCommit();
  };
  // A caller may wrap `commit` (queue.ts does, to observe it): keep theirs, over ours.
  let wrapped: (() => Promise<Deno.KvCommitResult | Deno.KvCommitError>) | undefined;
  const proxy: Deno.AtomicOperation = new Proxy(op, {
    set(_target, prop, value) {
      if (prop !== "commit") return false;
      wrapped = value;
      return true;
    },
    get(target, prop) {
      if (prop === "commit") return wrapped ?? counted;
      if (prop === "mutate") {
        return (...ms: Deno.KvMutation[]) => {
          mutations += ms.length;
          target.mutate(...ms);
          return proxy;
        };
      }
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof prop === "string" && MUTATIONS.has(prop)) mutations++;
        const out = value.apply(target, args);
        return out === target ? proxy : out;
      };
    },
  });
  return proxy;
}

function meteredList<T>(
  it: Deno.KvListIterator<T>,
  options: Deno.KvListOptions | undefined,
  meter: KvMeter,
): Deno.KvListIterator<T> {
  const batch = Math.min(options?.batchSize ?? options?.limit ?? 100, 500);
  let seen = 0;
  const wrapped = {
    get cursor() {
      return it.cursor;
    },
    async next() {
      if (seen % batch === 0) meter.calls++;
      const r = await it.next();
      if (!r.done) {
        seen++;
        meter.reads++;
      }
      return r;
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  return wrapped as unknown as Deno.KvListIterator<T>;
}

/** `kv` with every operation counted into `meter`; everything else passes through. */
export function meteredKv(kv: Deno.Kv, meter: KvMeter): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      switch (prop) {
        case "get":
          return (key: Deno.KvKey, o?: { consistency?: Deno.KvConsistencyLevel }) => {
            meter.calls++;
            meter.reads++;
            return target.get(key, o);
          };
        case "getMany":
          return (ks: Deno.KvKey[], o?: { consistency?: Deno.KvConsistencyLevel }) => {
            meter.calls++;
            meter.reads += ks.length;
            return target.getMany(ks, o);
          };
        case "set":
        case "delete":
        case "enqueue":
          return (...args: unknown[]) => {
            meter.calls++;
            meter.writes++;
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        case "list":
          return (selector: Deno.KvListSelector, o?: Deno.KvListOptions) =>
            meteredList(target.list(selector, o), o, meter);
        case "atomic":
          return () => meteredAtomic(target.atomic(), meter);
        default: {
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        }
      }
    },
  });
}
