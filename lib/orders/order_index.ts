/**
 * The order indexes, heads and Quick Stats counters of `keys.ts`, written in the same atomic
 * op as the order record they describe (by `orders.ts` and `shipments.ts`).
 *
 * Index entries hold the whole summary, so a page is one range read whose cost does not
 * depend on how many orders the customer has. First pages (the dashboard's common case) come
 * from the filter's head instead: Deno KV spends ~8 µs per entry it returns, whatever its
 * size, so one value holding 21 summaries reads several times faster than a 21-entry range.
 * The head is rewritten in the same atomic op as its index, guarded by its own versionstamp,
 * so it always equals the top of the index.
 */
import { MalformedInputError } from "@/lib/errors.ts";
import {
  type Order,
  ORDER_FILTERS,
  type OrderFilter,
  type OrderStatus,
  type OrderSummary,
  type TrackingStatus,
} from "./model.ts";
import { searchTerms } from "./search.ts";
import { estimateBytes, MAX_VALUE_BYTES } from "./atomic.ts";
import { keyId, keys, type StatName } from "./keys.ts";

/** A pagination cursor that this module did not produce: a 400 naming `cursor`. */
export class InvalidCursorError extends MalformedInputError {
  constructor(message: string) {
    super(message, { cursor: [message] });
  }
}

// ---------------------------------------------------------------------------------------
// Filters and counters: per-customer counters kept in the same atomic op as the orders they
// count, one per filter, so a list's total and Quick Stats are point reads, never a scan.

export const STAT_NAMES: readonly StatName[] = ORDER_FILTERS;
export interface CustomerStats {
  active: number;
  in_transit: number;
  delivered: number;
}
/** How many of the customer's orders each filter holds. */
export type FilterCounts = Record<OrderFilter, number>;

/** Shipment states in which goods are on their way (an exception is a delayed shipment). */
const MOVING: ReadonlySet<TrackingStatus> = new Set([
  "picked_up",
  "in_transit",
  "out_for_delivery",
  "exception",
]);

/** An index of orders: a filter, or "processing" (an index no filter lists alone). */
export type ListName = OrderFilter | OrderStatus;
const FILTER_SET: ReadonlySet<string> = new Set(ORDER_FILTERS);
const isFilter = (l: ListName): l is OrderFilter => FILTER_SET.has(l);

/**
 * The lists an order is in: "all", its status, "active" while open, and "in_transit" while
 * open with goods on the way. Index entries, heads, search values and counters all come from
 * here, so a filter's count is always its index's length.
 */
export function orderFilters(o: Pick<Order, "status" | "shipments">): ListName[] {
  const filters: ListName[] = ["all", o.status];
  const open = o.status === "processing" || o.status === "shipped";
  if (open) filters.push("active");
  if (open && o.shipments.some((s) => MOVING.has(s.status))) filters.push("in_transit");
  return filters;
}

/** Adds the counter changes between two versions of an order (either may be absent). */
export function addStatDeltas(
  op: Deno.AtomicOperation,
  org: string,
  prev: OrderHeader | null,
  next: OrderHeader | null,
) {
  const deltas = new Map<string, { ref: string; name: StatName; delta: number }>();
  const add = (o: OrderHeader | null, sign: number) => {
    if (!o) return;
    for (const name of orderFilters(o).filter(isFilter)) {
      const id = `${o.customer_ref}\u0000${name}`;
      const d = deltas.get(id) ?? { ref: o.customer_ref, name, delta: 0 };
      d.delta += sign;
      deltas.set(id, d);
    }
  };
  add(prev, -1);
  add(next, 1);
  for (const { ref, name, delta } of deltas.values()) {
    if (delta === 0) continue;
    // KvU64 sums wrap at 2^64, so adding 2^64 - n subtracts n.
    const n = delta > 0 ? BigInt(delta) : (1n << 64n) - BigInt(-delta);
    op.sum(keys.stat(org, ref, name), n);
  }
}

/** Counter values read with getMany, in STAT_NAMES order, as counts. */
export function countsFrom(entries: Deno.KvEntryMaybe<unknown>[]): FilterCounts {
  const counts = {} as FilterCounts;
  STAT_NAMES.forEach((name, i) => {
    counts[name] = Number((entries[i]?.value as Deno.KvU64 | null)?.value ?? 0n);
  });
  return counts;
}

/** Every filter's count from maintained counters: point reads, never a scan. */
export async function getCounts(kv: Deno.Kv, org: string, ref: string): Promise<FilterCounts> {
  return countsFrom(await kv.getMany(STAT_NAMES.map((n) => keys.stat(org, ref, n))));
}

/** Quick Stats from maintained counters: point reads, never a scan. */
export async function getStats(kv: Deno.Kv, org: string, ref: string): Promise<CustomerStats> {
  return quickStats(await getCounts(kv, org, ref));
}

export function quickStats(c: FilterCounts): CustomerStats {
  return { active: c.active, in_transit: c.in_transit, delivered: c.delivered };
}

// ---------------------------------------------------------------------------------------
// Index entries

/** The stored order record: everything but the lines, which live in chunks beside it. */
export type OrderHeader = Omit<Order, "lines"> & { line_chunks: number };

/**
 * The order's new `updated_at` for a write at `at`: never earlier than, nor equal to, the one it
 * replaces. Documents and their ETags are versioned by it (lib/documents/download.ts), so two
 * different states of an order must never share one (two writes in one millisecond, or a
 * shipment whose last refresh is older than the order's last change).
 */
export function nextUpdatedAt(prev: string | undefined, at: string): string {
  const before = prev ? Date.parse(prev) : NaN;
  if (Number.isNaN(before) || Date.parse(at) > before) return at;
  return new Date(before + 1).toISOString();
}

function indexKeys(h: OrderHeader): Deno.KvKey[] {
  return orderFilters(h).map((f) =>
    keys.index(h.org, h.customer_ref, f, h.order_date, h.order_number)
  );
}

function searchKeys(h: OrderHeader): Deno.KvKey[] {
  return searchTerms(h).map((term) =>
    keys.search(h.org, h.customer_ref, term, h.order_date, h.order_number)
  );
}

/**
 * Adds to `op` the header, owner pointer, index entries, heads and counters that move an
 * order from `prev` to `next` (prev may be null), deleting index entries that no longer
 * apply. Reads the heads it rewrites and adds their versionstamp checks to `op`.
 */
export async function writeHeaderOps(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  prev: OrderHeader | null,
  next: OrderHeader,
) {
  const summary = headerSummary(next);
  const nextIndex = indexKeys(next);
  const keep = new Set(nextIndex.map(keyId));
  if (prev) {
    for (const k of indexKeys(prev)) if (!keep.has(keyId(k))) op.delete(k);
    if (prev.customer_ref !== next.customer_ref) {
      op.delete(keys.header(prev.org, prev.customer_ref, prev.order_number));
    }
  }
  for (const k of nextIndex) op.set(k, summary);
  // Search entries: rewritten with the filters (their value), stale terms removed.
  const nextSearch = searchKeys(next);
  const keepSearch = new Set(nextSearch.map(keyId));
  if (prev) { for (const k of searchKeys(prev)) if (!keepSearch.has(keyId(k))) op.delete(k); }
  const filters = orderFilters(next);
  for (const k of nextSearch) op.set(k, filters);
  op.set(keys.header(next.org, next.customer_ref, next.order_number), next);
  op.set(keys.owner(next.org, next.order_number), next.customer_ref);
  addStatDeltas(op, next.org, prev, next);
  await writeHeadOps(kv, op, prev, next, summary);
}

// ---------------------------------------------------------------------------------------
// Heads: the newest entries of each index in one value.

/** The newest entries of one customer's filter index, newest first. */
export interface OrderHead {
  orders: OrderSummary[];
  /** True when `orders` is the whole index (no older entry exists). */
  complete: boolean;
}

/** Index order (KV sorts keys by order date, then number; both are ASCII): newest first. */
function newestFirst(a: OrderSummary, b: OrderSummary): number {
  if (a.order_date !== b.order_date) return a.order_date < b.order_date ? 1 : -1;
  return a.order_number < b.order_number ? 1 : a.order_number > b.order_number ? -1 : 0;
}

/** Trims a head to HEAD_SIZE entries and under the value limit (then it is incomplete). */
function fitHead(orders: OrderSummary[], complete: boolean): OrderHead {
  const out = orders.slice(0, HEAD_SIZE);
  let whole = complete && orders.length <= HEAD_SIZE;
  while (out.length > 0 && estimateBytes(out) > MAX_VALUE_BYTES) {
    out.pop();
    whole = false;
  }
  return { orders: out, complete: whole };
}

/**
 * The head after `number` leaves the index (its entry, if any, is dropped) and `add` enters
 * it; null when the stored head cannot tell (missing, or it shrank below HEAD_SIZE while
 * older entries exist that it does not hold), and the index must be read.
 */
function updatedHead(
  head: OrderHead | null,
  number: string,
  add: OrderSummary | null,
): OrderHead | null {
  if (!head) return null;
  const last = head.orders.at(-1);
  const rest = head.orders.filter((o) => o.order_number !== number);
  // An entry older than everything an incomplete head holds belongs to the part not held.
  if (add && (head.complete || (last && newestFirst(add, last) < 0))) rest.push(add);
  rest.sort(newestFirst);
  if (head.complete) return fitHead(rest, true);
  return rest.length >= HEAD_SIZE ? fitHead(rest, false) : null;
}

/** Rebuilds a head from its index as it is before this op, with the op's change applied. */
async function rebuiltHead(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  number: string,
  add: OrderSummary | null,
): Promise<OrderHead> {
  // One more than the head holds, plus the entry this op may remove.
  const limit = HEAD_SIZE + 2;
  const orders: OrderSummary[] = [];
  let seen = 0;
  for await (const e of kv.list<OrderSummary>({ prefix }, { reverse: true, limit })) {
    seen++;
    if (e.value.order_number !== number) orders.push(e.value);
  }
  if (add) orders.push(add);
  orders.sort(newestFirst);
  return fitHead(orders, seen < limit);
}

/**
 * Rewrites the head of every index the order leaves or enters (or whose entry changes), in
 * `op`, with a check on each head's versionstamp: every index write passes here, so a head
 * unchanged since it was read means its index is unchanged too.
 */
async function writeHeadOps(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  prev: OrderHeader | null,
  next: OrderHeader,
  summary: OrderSummary,
) {
  const touched = new Map<string, { ref: string; filter: string; add: OrderSummary | null }>();
  if (prev) {
    for (const filter of orderFilters(prev)) {
      touched.set(`${prev.customer_ref}\u0000${filter}`, {
        ref: prev.customer_ref,
        filter,
        add: null,
      });
    }
  }
  for (const filter of orderFilters(next)) {
    touched.set(`${next.customer_ref}\u0000${filter}`, {
      ref: next.customer_ref,
      filter,
      add: summary,
    });
  }
  const list = [...touched.values()];
  // At most 8 heads (4 filters × old and new customer): within getMany's 10 keys.
  const entries = await kv.getMany<OrderHead[]>(
    list.map((t) => keys.head(next.org, t.ref, t.filter)),
  );
  for (const [i, t] of list.entries()) {
    const entry = entries[i];
    op.check(entry);
    const head = updatedHead(entry.value, next.order_number, t.add) ??
      await rebuiltHead(kv, keys.indexPrefix(next.org, t.ref, t.filter), next.order_number, t.add);
    op.set(entry.key, head);
  }
}

/** A first page from a head, or null when the head cannot answer it (read the index). */
export function pageFromHead(
  head: OrderHead | null,
  limit: number,
): { orders: OrderSummary[]; next_cursor: string | null } | null {
  if (!head) return null;
  if (head.orders.length > limit) {
    const orders = head.orders.slice(0, limit);
    const last = orders[limit - 1];
    return { orders, next_cursor: encodeCursor(last.order_date, last.order_number) };
  }
  return head.complete ? { orders: head.orders, next_cursor: null } : null;
}

export function headerSummary(h: OrderHeader): OrderSummary {
  const { line_chunks: _c, delivery_address: _a, ...summary } = h;
  return summary;
}

// ---------------------------------------------------------------------------------------
// Pages

export const DEFAULT_PAGE_SIZE = 20;
/** A head holds a first page of the default size plus one entry, which says whether there is more. */
export const HEAD_SIZE = DEFAULT_PAGE_SIZE + 1;
export const MAX_PAGE_SIZE = 50;

export function encodeCursor(date: string, number: string): string {
  return btoa(JSON.stringify([date, number])).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error();
    const raw = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    if (
      Array.isArray(raw) && raw.length === 2 && typeof raw[0] === "string" &&
      /^\d{4}-\d{2}-\d{2}$/.test(raw[0]) && typeof raw[1] === "string" && raw[1].length <= 64
    ) return [raw[0], raw[1]];
  } catch { /* fall through */ }
  throw new InvalidCursorError("The cursor is not valid.");
}

export function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
}

/** A page from one range read over the index (cursor pages, big pages, missing heads). */
export async function listIndex(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  filter: OrderFilter,
  cursor: string | null,
  limit: number,
): Promise<{ orders: OrderSummary[]; next_cursor: string | null }> {
  const prefix = keys.indexPrefix(org, customerRef, filter);
  const selector: Deno.KvListSelector = cursor
    ? { prefix, end: [...prefix, ...decodeCursor(cursor)] }
    : { prefix };
  const orders: OrderSummary[] = [];
  let more = false;
  for await (const e of kv.list<OrderSummary>(selector, { reverse: true, limit: limit + 1 })) {
    if (orders.length === limit) {
      more = true;
      break;
    }
    orders.push(e.value);
  }
  const last = orders.at(-1);
  return {
    orders,
    next_cursor: more && last ? encodeCursor(last.order_date, last.order_number) : null,
  };
}
