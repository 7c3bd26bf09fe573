/**
 * The one module that owns every org, customer, order and shipment key in Deno KV
 * (after SaaSKit's `utils/db.ts`). Routes, the CLI and other domains call these functions,
 * never `kv` directly for this data.
 *
 * Key design (every customer read starts with org + customer, so no code path can list
 * another customer's orders):
 *
 *   ["orgs", org]                                          Org
 *   ["customers", org, ref]                                Customer
 *   ["customer_stats", org, ref, "active"|"in_transit"|"delivered"]   Deno.KvU64 counter
 *   ["order_owner", org, number]                           ref of the customer who owns it
 *   ["orders", org, ref, number, "header"]                 the order without its lines
 *   ["orders", org, ref, number, "lines", i]               line chunks, each < 64 KiB
 *   ["order_index", org, ref, filter, order_date, number]  OrderSummary (filter = "all",
 *                                                          the status, or "active")
 *   ["order_head", org, ref, filter]                       OrderHead: that index's newest
 *                                                          entries in one value (first pages)
 *   ["shipments", org, number, tracking]                   Shipment (read only after the
 *                                                          customer-scoped order is found)
 *   ["active_shipments", carrier, org, number, tracking]   what the carrier poller visits
 *
 * A record, its index entries and counters are written in one `kv.atomic()` guarded by the
 * versionstamps just read; a lost race is retried, and `ConflictError` is thrown when it
 * keeps losing. Index entries hold the whole summary, so a page is one range read whose cost
 * does not depend on how many orders the customer has. First pages (the dashboard's common
 * case) come from the filter's head instead: Deno KV spends ~8 µs per entry it returns,
 * whatever its size, so one value holding 21 summaries reads several times faster than a
 * 21-entry range. The head is rewritten in the same atomic op as its index, guarded by its
 * own versionstamp, so it always equals the top of the index.
 */
import {
  type Customer,
  type Locale,
  type Order,
  type OrderFilter,
  type OrderStatus,
  type OrderSummary,
  type Org,
  type Shipment,
  type ShipmentSummary,
  type TrackingEvent,
  type TrackingStatus,
} from "./model.ts";
import {
  type CustomerInput,
  LIMITS,
  OrderInput,
  type OrgInput,
  type ShipmentInput,
  TrackingEventInput,
} from "./input.ts";
import { computeTotals, normalizeDecimal, normalizePrice } from "./money.ts";

// ---------------------------------------------------------------------------------------
// Errors the callers map onto HTTP statuses (routes) or exit codes (CLI).

/** The write kept losing races with concurrent writers; safe to retry later. */
export class ConflictError extends Error {}
export class OrgExistsError extends Error {}
export class UnknownCustomerError extends Error {}
export class OrderNotFoundError extends Error {}
export class ShipmentNotFoundError extends Error {}
/** A limit that keeps values inside Deno KV's 64 KiB (e.g. too many shipments). */
export class LimitError extends Error {}
/** A pagination cursor that this module did not produce. */
export class InvalidCursorError extends Error {}

const MAX_ATTEMPTS = 8;
/** Headroom under Deno KV's 65,536-byte value limit. */
const MAX_VALUE_BYTES = 60_000;
const ONE_HOUR = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------
// Keys: declared here and nowhere else.

const keys = {
  org: (org: string) => ["orgs", org],
  customer: (org: string, ref: string) => ["customers", org, ref],
  stat: (org: string, ref: string, name: StatName) => ["customer_stats", org, ref, name],
  owner: (org: string, number: string) => ["order_owner", org, number],
  orderPrefix: (org: string, ref: string, number: string) => ["orders", org, ref, number],
  header: (org: string, ref: string, number: string) => ["orders", org, ref, number, "header"],
  lines: (org: string, ref: string, number: string, i: number) => [
    "orders",
    org,
    ref,
    number,
    "lines",
    i,
  ],
  indexPrefix: (org: string, ref: string, filter: string) => ["order_index", org, ref, filter],
  index: (org: string, ref: string, filter: string, date: string, number: string) => [
    "order_index",
    org,
    ref,
    filter,
    date,
    number,
  ],
  head: (org: string, ref: string, filter: string) => ["order_head", org, ref, filter],
  shipmentPrefix: (org: string, number: string) => ["shipments", org, number],
  shipment: (org: string, number: string, tracking: string) => ["shipments", org, number, tracking],
  activeShipment: (carrier: string, org: string, number: string, tracking: string) => [
    "active_shipments",
    carrier,
    org,
    number,
    tracking,
  ],
};

// Deno KV's value encoding uses at most 2 bytes per UTF-16 unit; JSON's quotes and commas
// cover the per-field tags, so twice the JSON length is a safe upper bound.
function estimateBytes(value: unknown): number {
  return JSON.stringify(value).length * 2;
}

// ---------------------------------------------------------------------------------------
// Orgs

/** Creates an org; throws OrgExistsError when the slug is taken. `createOrg(kv, {slug: "acme", ...}, new Date())` */
export async function createOrg(kv: Deno.Kv, input: OrgInput, now: Date): Promise<Org> {
  const org: Org = { ...input, created_at: now.toISOString() };
  const res = await kv.atomic().check({ key: keys.org(input.slug), versionstamp: null })
    .set(keys.org(input.slug), org).commit();
  if (!res.ok) throw new OrgExistsError(`The org "${input.slug}" already exists.`);
  return org;
}

/** Creates or updates an org's name and support contact. */
export async function upsertOrg(
  kv: Deno.Kv,
  input: OrgInput,
  now: Date,
): Promise<{ org: Org; created: boolean }> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const prev = await kv.get<Org>(keys.org(input.slug));
    const org: Org = { ...input, created_at: prev.value?.created_at ?? now.toISOString() };
    const res = await kv.atomic().check(prev).set(keys.org(input.slug), org).commit();
    if (res.ok) return { org, created: prev.value === null };
  }
  throw new ConflictError("The org is being changed concurrently.");
}

/** `await getOrg(kv, "acme")` → Org | null */
export async function getOrg(kv: Deno.Kv, slug: string): Promise<Org | null> {
  return (await kv.get<Org>(keys.org(slug))).value;
}

/** True when at least one org exists (the demo seed only runs on an empty database). */
export async function hasAnyOrg(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: ["orgs"] }, { limit: 1 })) return true;
  return false;
}

// ---------------------------------------------------------------------------------------
// Customers

/**
 * Creates or replaces a customer (PUT semantics: an omitted phone is removed; an omitted
 * locale keeps the stored one, "en" for a new customer).
 * `await upsertCustomer(kv, "acme", "CUST-RS-2026-045", {name, email}, new Date())`
 */
export async function upsertCustomer(
  kv: Deno.Kv,
  org: string,
  ref: string,
  input: CustomerInput,
  now: Date,
): Promise<{ customer: Customer; created: boolean }> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const prev = await kv.get<Customer>(keys.customer(org, ref));
    const p = prev.value;
    const customer: Customer = {
      org,
      ref,
      name: input.name,
      email: input.email,
      ...(input.phone ? { phone: input.phone } : {}),
      locale: input.locale ?? p?.locale ?? "en",
      ...(p?.last_visit_at ? { last_visit_at: p.last_visit_at } : {}),
      created_at: p?.created_at ?? now.toISOString(),
      updated_at: now.toISOString(),
    };
    const res = await kv.atomic().check(prev).set(keys.customer(org, ref), customer).commit();
    if (res.ok) return { customer, created: p === null };
  }
  throw new ConflictError("The customer is being changed concurrently.");
}

export async function getCustomer(kv: Deno.Kv, org: string, ref: string): Promise<Customer | null> {
  return (await kv.get<Customer>(keys.customer(org, ref))).value;
}

/**
 * Notes a visit through a link and returns the PREVIOUS visit time (the dashboard's "Last
 * login"), or null on a first visit. Writes at most once an hour per customer, so page
 * views stay read-only apart from the rate limit; a lost race is simply skipped.
 */
export async function recordVisit(
  kv: Deno.Kv,
  org: string,
  ref: string,
  now: Date,
): Promise<string | null> {
  const entry = await kv.get<Customer>(keys.customer(org, ref));
  if (!entry.value) return null;
  const previous = entry.value.last_visit_at ?? null;
  if (previous === null || now.getTime() - Date.parse(previous) >= ONE_HOUR) {
    await kv.atomic().check(entry)
      .set(keys.customer(org, ref), { ...entry.value, last_visit_at: now.toISOString() })
      .commit();
  }
  return previous;
}

// ---------------------------------------------------------------------------------------
// Stats: per-customer counters kept in the same atomic op as the orders they count.

type StatName = "active" | "in_transit" | "delivered";
const STAT_NAMES: readonly StatName[] = ["active", "in_transit", "delivered"];
export interface CustomerStats {
  active: number;
  in_transit: number;
  delivered: number;
}

/** Shipment states in which goods are on their way (an exception is a delayed shipment). */
const MOVING: ReadonlySet<TrackingStatus> = new Set([
  "picked_up",
  "in_transit",
  "out_for_delivery",
  "exception",
]);

/** What one order adds to its customer's Quick Stats. */
function contribution(o: Pick<Order, "status" | "shipments">): Record<StatName, number> {
  const open = o.status === "processing" || o.status === "shipped";
  return {
    active: open ? 1 : 0,
    in_transit: open && o.shipments.some((s) => MOVING.has(s.status)) ? 1 : 0,
    delivered: o.status === "delivered" ? 1 : 0,
  };
}

/** Adds the counter changes between two versions of an order (either may be absent). */
function addStatDeltas(
  op: Deno.AtomicOperation,
  org: string,
  prev: OrderHeader | null,
  next: OrderHeader | null,
) {
  const deltas = new Map<string, { ref: string; name: StatName; delta: number }>();
  const add = (o: OrderHeader | null, sign: number) => {
    if (!o) return;
    const c = contribution(o);
    for (const name of STAT_NAMES) {
      const id = `${o.customer_ref}\u0000${name}`;
      const d = deltas.get(id) ?? { ref: o.customer_ref, name, delta: 0 };
      d.delta += sign * c[name];
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

/** Quick Stats from maintained counters: three point reads, never a scan. */
export async function getStats(kv: Deno.Kv, org: string, ref: string): Promise<CustomerStats> {
  const entries = await kv.getMany<Deno.KvU64[]>(STAT_NAMES.map((n) => keys.stat(org, ref, n)));
  const value = (i: number) => Number(entries[i].value?.value ?? 0n);
  return { active: value(0), in_transit: value(1), delivered: value(2) };
}

// ---------------------------------------------------------------------------------------
// Orders

/** The stored order record: everything but the lines, which live in chunks beside it. */
type OrderHeader = Omit<Order, "lines"> & { line_chunks: number };

function indexFilters(status: OrderStatus): string[] {
  const filters = ["all", status];
  if (status === "processing" || status === "shipped") filters.push("active");
  return filters;
}

function indexKeys(h: OrderHeader): Deno.KvKey[] {
  return indexFilters(h.status).map((f) =>
    keys.index(h.org, h.customer_ref, f, h.order_date, h.order_number)
  );
}

const keyId = (k: Deno.KvKey) => JSON.stringify(k);

/**
 * Adds to `op` the header, owner pointer, index entries, heads and counters that move an
 * order from `prev` to `next` (prev may be null), deleting index entries that no longer
 * apply. Reads the heads it rewrites and adds their versionstamp checks to `op`.
 */
async function writeHeaderOps(
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
  op.set(keys.header(next.org, next.customer_ref, next.order_number), next);
  op.set(keys.owner(next.org, next.order_number), next.customer_ref);
  addStatDeltas(op, next.org, prev, next);
  await writeHeadOps(kv, op, prev, next, summary);
}

// ---------------------------------------------------------------------------------------
// Heads: the newest entries of each index in one value.

/** The newest entries of one customer's filter index, newest first. */
interface OrderHead {
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
    for (const filter of indexFilters(prev.status)) {
      touched.set(`${prev.customer_ref}\u0000${filter}`, {
        ref: prev.customer_ref,
        filter,
        add: null,
      });
    }
  }
  for (const filter of indexFilters(next.status)) {
    touched.set(`${next.customer_ref}\u0000${filter}`, {
      ref: next.customer_ref,
      filter,
      add: summary,
    });
  }
  const list = [...touched.values()];
  // At most 6 heads (3 filters × old and new customer): within getMany's 10 keys.
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
function pageFromHead(
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

function headerSummary(h: OrderHeader): OrderSummary {
  const { line_chunks: _c, delivery_address: _a, ...summary } = h;
  return summary;
}

/** Splits lines into chunks that each fit a KV value. */
function chunkLines(lines: Order["lines"]): Order["lines"][] {
  const chunks: Order["lines"][] = [];
  let current: Order["lines"] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = estimateBytes(line) + 16;
    if (current.length > 0 && size + bytes > MAX_VALUE_BYTES) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(line);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Writes that rewrite the same customer's heads would fail each other's versionstamp checks
 * when they race; within a process they queue here per customer instead (processes sharing
 * a KV still settle through the checks and retries).
 */
const customerLocks = new WeakMap<Deno.Kv, Map<string, Promise<void>>>();

async function lockCustomer(kv: Deno.Kv, org: string, ref: string): Promise<() => void> {
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
function retryPause(attempt: number): Promise<void> {
  if (attempt === 0) return Promise.resolve();
  return new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 6)));
}

/**
 * The order's new `updated_at` for a write at `at`: never earlier than, nor equal to, the one it
 * replaces. Documents and their ETags are versioned by it (lib/documents/download.ts), so two
 * different states of an order must never share one (two writes in one millisecond, or a
 * shipment whose last refresh is older than the order's last change).
 */
function nextUpdatedAt(prev: string | undefined, at: string): string {
  const before = prev ? Date.parse(prev) : NaN;
  if (Number.isNaN(before) || Date.parse(at) > before) return at;
  return new Date(before + 1).toISOString();
}

/** "ORD-008456" ordered in 2026 → "INV-2026-08456". */
export function deriveInvoiceNumber(orderNumber: string, orderDate: string): string {
  const digits = orderNumber.replace(/\D/g, "").replace(/^0+(?=\d)/, "");
  const tail = digits ? digits.padStart(5, "0") : orderNumber.toUpperCase();
  return `INV-${orderDate.slice(0, 4)}-${tail}`;
}

/**
 * Creates or replaces an order from the admin body (validated again here). Totals and
 * `items_count` are computed; shipments (managed by the shipment functions) and the invoice
 * number are kept across updates. Moving the order to another customer or changing its
 * status removes the stale index entries and moves the counters, in the same atomic op.
 * Throws UnknownCustomerError, a ZodError for invalid input, or ConflictError.
 */
export async function upsertOrder(
  kv: Deno.Kv,
  org: string,
  number: string,
  rawInput: OrderInput,
  now: Date,
): Promise<{ order: Order; created: boolean }> {
  const input = OrderInput.parse(rawInput);
  const totals = computeTotals(input);
  const lines: Order["lines"] = input.lines.map((l, i) => ({
    item_code: l.item_code,
    description: l.description,
    qty_ordered: normalizeDecimal(l.qty_ordered),
    ...(l.uom ? { uom: l.uom } : {}),
    unit_price: normalizePrice(l.unit_price),
    line_total: totals.line_totals[i],
  }));
  const chunks = chunkLines(lines);

  const unlock = await lockCustomer(kv, org, input.customer_ref);
  try {
    return await writeOrder(kv, org, number, input, totals, lines, chunks, now);
  } finally {
    unlock();
  }
}

async function writeOrder(
  kv: Deno.Kv,
  org: string,
  number: string,
  input: OrderInput,
  totals: ReturnType<typeof computeTotals>,
  lines: Order["lines"],
  chunks: Order["lines"][],
  now: Date,
): Promise<{ order: Order; created: boolean }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await retryPause(attempt);
    const [ownerEntry, customerEntry] = await kv.getMany<[string, Customer]>([
      keys.owner(org, number),
      keys.customer(org, input.customer_ref),
    ]);
    if (!customerEntry.value) {
      throw new UnknownCustomerError(`No customer "${input.customer_ref}" in this org.`);
    }
    const prevRef = ownerEntry.value;
    const prevEntry = prevRef ? await kv.get<OrderHeader>(keys.header(org, prevRef, number)) : null;
    const prev = prevEntry?.value ?? null;

    const header: OrderHeader = {
      org,
      customer_ref: input.customer_ref,
      order_number: number,
      order_date: input.order_date,
      delivery_date: input.delivery_date,
      status: input.status,
      currency: input.currency,
      delivery_address: input.delivery_address,
      items_count: lines.length,
      subtotal: totals.subtotal,
      tax: totals.tax,
      ...(totals.shipping !== undefined ? { shipping: totals.shipping } : {}),
      total: totals.total,
      invoice_number: input.invoice_number ?? prev?.invoice_number ??
        deriveInvoiceNumber(number, input.order_date),
      ...(input.estimated_ship_date ? { estimated_ship_date: input.estimated_ship_date } : {}),
      shipments: prev?.shipments ?? [],
      created_at: prev?.created_at ?? now.toISOString(),
      updated_at: nextUpdatedAt(prev?.updated_at, now.toISOString()),
      line_chunks: chunks.length,
    };
    if (estimateBytes(header) > MAX_VALUE_BYTES) {
      throw new LimitError("The order header is too large to store.");
    }

    const op = kv.atomic().check(ownerEntry);
    if (prevEntry) op.check(prevEntry);
    if (prev?.customer_ref !== header.customer_ref) {
      op.check({ key: keys.header(org, header.customer_ref, number), versionstamp: null });
    }
    await writeHeaderOps(kv, op, prev, header);
    // Line chunks: rewrite all, drop the old ones the new order no longer needs.
    if (prev) {
      const moved = prev.customer_ref !== header.customer_ref;
      for (let i = moved ? 0 : chunks.length; i < prev.line_chunks; i++) {
        op.delete(keys.lines(org, prev.customer_ref, number, i));
      }
    }
    chunks.forEach((chunk, i) => op.set(keys.lines(org, header.customer_ref, number, i), chunk));
    const res = await op.commit();
    if (res.ok) {
      const { line_chunks: _c, ...rest } = header;
      return { order: { ...rest, lines }, created: prev === null };
    }
  }
  throw new ConflictError(`Order ${number} is being changed concurrently; retry.`);
}

function assembleOrder(header: OrderHeader, chunks: Order["lines"][]): Order {
  const { line_chunks: _c, ...rest } = header;
  return { ...rest, lines: chunks.flat() };
}

/**
 * One customer's order with its lines, or null. The key starts with org and customer, so
 * another customer's order number simply is not found. `await getOrder(kv, "acme", ref, "ORD-008456")`
 */
export async function getOrder(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  number: string,
): Promise<Order | null> {
  let header: OrderHeader | null = null;
  const chunks: Order["lines"][] = [];
  // One range read: the header and its line chunks share a prefix.
  for await (const e of kv.list({ prefix: keys.orderPrefix(org, customerRef, number) })) {
    if (e.key[4] === "header") header = e.value as OrderHeader;
    else if (e.key[4] === "lines") chunks[e.key[5] as number] = e.value as Order["lines"];
  }
  if (!header) return null;
  return assembleOrder(header, chunks.slice(0, header.line_chunks));
}

/** One customer's order without its lines (one point read), or null. */
export async function getOrderSummary(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  number: string,
): Promise<OrderSummary | null> {
  const header = (await kv.get<OrderHeader>(keys.header(org, customerRef, number))).value;
  return header ? headerSummary(header) : null;
}

export interface ListOrdersOptions {
  filter?: OrderFilter;
  cursor?: string | null;
  /** Page size, default 20, at most 50. */
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 20;
/** A head holds a first page of the default size plus one entry, which says whether there is more. */
const HEAD_SIZE = DEFAULT_PAGE_SIZE + 1;
export const MAX_PAGE_SIZE = 50;

function encodeCursor(date: string, number: string): string {
  return btoa(JSON.stringify([date, number])).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function decodeCursor(cursor: string): [string, string] {
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

/** Throws InvalidCursorError unless `cursor` is one that listOrders produced. */
export function validateCursor(cursor: string): void {
  decodeCursor(cursor);
}

/**
 * A page of one customer's orders, newest first (by order date, then order number): a first
 * page of up to 20 from the filter's head (one point read), any other from ONE range read
 * over the filter's index; `next_cursor` is null on the last page.
 */
export async function listOrders(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  opts: ListOrdersOptions = {},
): Promise<{ orders: OrderSummary[]; next_cursor: string | null }> {
  const limit = pageLimit(opts.limit);
  const filter = opts.filter ?? "all";
  if (!opts.cursor && limit < HEAD_SIZE) {
    const head = await kv.get<OrderHead>(keys.head(org, customerRef, filter));
    const page = pageFromHead(head.value, limit);
    if (page) return page;
  }
  return await listIndex(kv, org, customerRef, filter, opts.cursor ?? null, limit);
}

function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
}

/** A page from one range read over the index (cursor pages, big pages, missing heads). */
async function listIndex(
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

/**
 * Everything a dashboard view reads, in one getMany whatever the number of orders: the
 * Quick Stats counters, the page of `filter` (a cursor page adds one range read) and the
 * newest `recent.limit` orders of `recent.filter` (the Shipment Tracking cards).
 * Throws InvalidCursorError for a cursor listOrders did not produce.
 */
export async function readDashboard(
  kv: Deno.Kv,
  org: string,
  ref: string,
  opts: {
    filter: OrderFilter;
    cursor: string | null;
    recent: { filter: OrderFilter; limit: number };
  },
): Promise<{
  stats: CustomerStats;
  page: { orders: OrderSummary[]; next_cursor: string | null };
  recent: OrderSummary[];
}> {
  if (opts.cursor) decodeCursor(opts.cursor);
  const limit = DEFAULT_PAGE_SIZE;
  const recentLimit = pageLimit(opts.recent.limit);
  const keysRead: Deno.KvKey[] = [
    ...STAT_NAMES.map((n) => keys.stat(org, ref, n)),
    keys.head(org, ref, opts.recent.filter),
  ];
  if (!opts.cursor) keysRead.push(keys.head(org, ref, opts.filter));
  const [entries, cursorPage] = await Promise.all([
    kv.getMany<unknown[]>(keysRead),
    opts.cursor ? listIndex(kv, org, ref, opts.filter, opts.cursor, limit) : null,
  ]);
  const value = (i: number) => Number((entries[i].value as Deno.KvU64 | null)?.value ?? 0n);
  const stats = { active: value(0), in_transit: value(1), delivered: value(2) };
  const recentHead = entries[3].value as OrderHead | null;
  const [page, recent] = await Promise.all([
    cursorPage ?? pageFromHead(entries[4].value as OrderHead | null, limit) ??
      listIndex(kv, org, ref, opts.filter, null, limit),
    recentHead && (recentHead.complete || recentHead.orders.length >= recentLimit)
      ? recentHead.orders.slice(0, recentLimit)
      : listIndex(kv, org, ref, opts.recent.filter, null, recentLimit).then((p) => p.orders),
  ]);
  return { stats, page, recent };
}

// ---------------------------------------------------------------------------------------
// Shipments

/** Timeline order: by instant (events carry different local offsets), oldest first. */
function sortEvents(events: TrackingEvent[]): TrackingEvent[] {
  return [...events].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
}

function eventId(e: TrackingEvent) {
  return `${Date.parse(e.occurred_at)}|${e.status}|${e.description}`;
}

/** Drops duplicates and, past the caps, the oldest events but the first (the pickup). */
function boundEvents(events: TrackingEvent[]): TrackingEvent[] {
  const seen = new Set<string>();
  const unique = sortEvents(events).filter((e) => {
    const id = eventId(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  while (unique.length > LIMITS.eventsPerShipment) unique.splice(1, 1);
  return unique;
}

function fitShipment(s: Shipment): Shipment {
  const events = [...s.events];
  while (estimateBytes({ ...s, events }) > MAX_VALUE_BYTES && events.length > 2) {
    events.splice(1, 1);
  }
  return { ...s, events };
}

function shipmentSummary(s: Shipment): ShipmentSummary {
  const delivered = s.status === "delivered"
    ? [...s.events].reverse().find((e) => e.status === "delivered")
    : undefined;
  return {
    carrier: s.carrier,
    ...(s.carrier_name ? { carrier_name: s.carrier_name } : {}),
    tracking_number: s.tracking_number,
    status: s.status,
    ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
    ...(delivered ? { delivered_at: delivered.occurred_at } : {}),
  };
}

/**
 * The order status that shipments imply: a processing order whose goods are moving is
 * shipped; an open order whose shipments are all delivered is delivered. Cancelled orders
 * and anything else stay as the ERP sent them (its next PUT wins).
 */
function impliedStatus(status: OrderStatus, shipments: ShipmentSummary[]): OrderStatus {
  if (status === "cancelled" || shipments.length === 0) return status;
  if (shipments.every((s) => s.status === "delivered")) return "delivered";
  if (status === "processing" && shipments.some((s) => s.status !== "label_created")) {
    return "shipped";
  }
  return status;
}

interface ActiveShipmentEntry {
  org: string;
  order_number: string;
  tracking_number: string;
  carrier: Shipment["carrier"];
  last_refreshed_at: string | null;
}

/**
 * Reads the order and shipment, lets `change` compute the new shipment, and writes the
 * shipment, the order's summary, its index entries, the counters and the poller's index in
 * one atomic op.
 */
async function changeShipment(
  kv: Deno.Kv,
  org: string,
  number: string,
  tracking: string,
  change: (prev: Shipment | null) => Shipment,
): Promise<{ previous: Shipment | null; shipment: Shipment }> {
  const owner = (await kv.get<string>(keys.owner(org, number))).value;
  if (!owner) throw new OrderNotFoundError(`No order ${number} in this org.`);
  const unlock = await lockCustomer(kv, org, owner);
  try {
    return await writeShipment(kv, org, number, tracking, change);
  } finally {
    unlock();
  }
}

async function writeShipment(
  kv: Deno.Kv,
  org: string,
  number: string,
  tracking: string,
  change: (prev: Shipment | null) => Shipment,
): Promise<{ previous: Shipment | null; shipment: Shipment }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await retryPause(attempt);
    const ownerEntry = await kv.get<string>(keys.owner(org, number));
    if (!ownerEntry.value) throw new OrderNotFoundError(`No order ${number} in this org.`);
    const [headerEntry, shipmentEntry] = await kv.getMany<[OrderHeader, Shipment]>([
      keys.header(org, ownerEntry.value, number),
      keys.shipment(org, number, tracking),
    ]);
    const prevHeader = headerEntry.value;
    if (!prevHeader) continue; // the order moved between our reads
    const previous = shipmentEntry.value;
    const shipment = fitShipment(change(previous));

    const summaries = [...prevHeader.shipments];
    const at = summaries.findIndex((s) => s.tracking_number === tracking);
    if (at >= 0) summaries[at] = shipmentSummary(shipment);
    else {
      if (summaries.length >= LIMITS.shipmentsPerOrder) {
        throw new LimitError(`At most ${LIMITS.shipmentsPerOrder} shipments per order.`);
      }
      summaries.push(shipmentSummary(shipment));
    }
    const header: OrderHeader = {
      ...prevHeader,
      shipments: summaries,
      status: impliedStatus(prevHeader.status, summaries),
      updated_at: nextUpdatedAt(
        prevHeader.updated_at,
        shipment.last_refreshed_at ?? prevHeader.updated_at,
      ),
    };

    const op = kv.atomic().check(ownerEntry, headerEntry, shipmentEntry);
    op.set(keys.shipment(org, number, tracking), shipment);
    await writeHeaderOps(kv, op, prevHeader, header);
    const prevActive = previous && previous.status !== "delivered"
      ? keys.activeShipment(previous.carrier, org, number, tracking)
      : null;
    const nextActive = shipment.status !== "delivered"
      ? keys.activeShipment(shipment.carrier, org, number, tracking)
      : null;
    if (prevActive && (!nextActive || keyId(prevActive) !== keyId(nextActive))) {
      op.delete(prevActive);
    }
    if (nextActive) {
      const entry: ActiveShipmentEntry = {
        org,
        order_number: number,
        tracking_number: tracking,
        carrier: shipment.carrier,
        last_refreshed_at: shipment.last_refreshed_at ?? null,
      };
      op.set(nextActive, entry);
    }
    if ((await op.commit()).ok) return { previous, shipment };
  }
  throw new ConflictError(`Shipment ${tracking} is being changed concurrently; retry.`);
}

/**
 * Registers or updates a shipment of an order (carrier, ship time, estimate); its events
 * and status are kept. Throws OrderNotFoundError or LimitError.
 */
export async function upsertShipment(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  input: ShipmentInput,
  now: Date,
): Promise<{ shipment: Shipment; created: boolean }> {
  const { previous, shipment } = await changeShipment(
    kv,
    org,
    orderNumber,
    trackingNumber,
    (prev) => {
      const s: Shipment = {
        org,
        order_number: orderNumber,
        tracking_number: trackingNumber,
        carrier: input.carrier,
        ...(input.carrier_name ? { carrier_name: input.carrier_name } : {}),
        ...(input.service ? { service: input.service } : {}),
        shipped_at: input.shipped_at,
        ...(input.estimated_delivery ? { estimated_delivery: input.estimated_delivery } : {}),
        ...(prev?.estimated_window ? { estimated_window: prev.estimated_window } : {}),
        status: prev?.status ?? "label_created",
        events: prev?.events ?? [],
        last_refreshed_at: prev?.last_refreshed_at ?? now.toISOString(),
        ...(prev?.overdue ? { overdue: prev.overdue } : {}),
      };
      return s;
    },
  );
  return { shipment, created: previous === null };
}

/**
 * The shipments of one customer's order, oldest first; [] when the order is not this
 * customer's (the customer-scoped order key is checked before any shipment is read).
 */
export async function getShipments(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  orderNumber: string,
): Promise<Shipment[]> {
  const header = await kv.get(keys.header(org, customerRef, orderNumber));
  if (!header.value) return [];
  const out: Shipment[] = [];
  for await (const e of kv.list<Shipment>({ prefix: keys.shipmentPrefix(org, orderNumber) })) {
    out.push(e.value);
  }
  return out.sort((a, b) => Date.parse(a.shipped_at) - Date.parse(b.shipped_at));
}

/**
 * One shipment with the ref of the customer who owns its order (for the carrier poller and
 * notifications, which start from a shipment, not a link), or null.
 * `await getShipmentWithOwner(kv, "acme", "ORD-008456", "123456789012")`
 */
export async function getShipmentWithOwner(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
): Promise<{ shipment: Shipment; customerRef: string } | null> {
  const [owner, shipment] = await kv.getMany<[string, Shipment]>([
    keys.owner(org, orderNumber),
    keys.shipment(org, orderNumber, trackingNumber),
  ]);
  return owner.value && shipment.value
    ? { shipment: shipment.value, customerRef: owner.value }
    : null;
}

/**
 * Adds a manual tracking event (warehouse staff): events stay sorted oldest first, a repeat
 * of the same event is ignored, and the shipment takes the latest event's status.
 * Throws ShipmentNotFoundError / OrderNotFoundError.
 */
export async function addTrackingEvent(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  rawEvent: TrackingEventInput,
  now: Date,
): Promise<Shipment> {
  const event = TrackingEventInput.parse(rawEvent);
  const { shipment } = await changeShipment(kv, org, orderNumber, trackingNumber, (prev) => {
    if (!prev) throw new ShipmentNotFoundError(`No shipment ${trackingNumber} on ${orderNumber}.`);
    const events = boundEvents([...prev.events, event]);
    return {
      ...prev,
      events,
      status: events.at(-1)!.status,
      last_refreshed_at: now.toISOString(),
    };
  });
  return shipment;
}

export interface TrackingUpdate {
  status: TrackingStatus;
  /** The carrier's full history (any order; sorted and de-duplicated here). */
  events: TrackingEvent[];
  estimated_delivery?: string;
  estimated_window?: { begins: string; ends: string };
  last_refreshed_at: string;
  overdue?: boolean;
}

/**
 * Applies what a carrier poll returned. Returns the status before the update so the caller
 * can notify the customer on a change. Throws ShipmentNotFoundError / OrderNotFoundError.
 */
export async function applyTrackingUpdate(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  update: TrackingUpdate,
): Promise<{ previousStatus: TrackingStatus | null; shipment: Shipment }> {
  const { previous, shipment } = await changeShipment(
    kv,
    org,
    orderNumber,
    trackingNumber,
    (prev) => {
      if (!prev) {
        throw new ShipmentNotFoundError(`No shipment ${trackingNumber} on ${orderNumber}.`);
      }
      const { estimated_window: _w, overdue: _o, ...rest } = prev;
      return {
        ...rest,
        status: update.status,
        events: boundEvents(update.events),
        ...(update.estimated_delivery
          ? { estimated_delivery: update.estimated_delivery }
          : prev.estimated_delivery
          ? { estimated_delivery: prev.estimated_delivery }
          : {}),
        ...(update.estimated_window ? { estimated_window: update.estimated_window } : {}),
        ...(update.overdue ? { overdue: true } : {}),
        last_refreshed_at: update.last_refreshed_at,
      };
    },
  );
  return { previousStatus: previous?.status ?? null, shipment };
}

/**
 * Every not-yet-delivered shipment of a carrier, across orgs, for the poller:
 * `for await (const s of listActiveShipments(kv, "fedex")) ...`
 */
export async function* listActiveShipments(
  kv: Deno.Kv,
  carrier: Shipment["carrier"],
): AsyncIterable<ActiveShipmentEntry> {
  for await (const e of kv.list<ActiveShipmentEntry>({ prefix: ["active_shipments", carrier] })) {
    yield e.value;
  }
}

export type { ActiveShipmentEntry, Locale };
