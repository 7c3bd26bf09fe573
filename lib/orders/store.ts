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
 *   ["shipments", org, number, tracking]                   Shipment (read only after the
 *                                                          customer-scoped order is found)
 *   ["active_shipments", carrier, org, number, tracking]   what the carrier poller visits
 *
 * A record, its index entries and counters are written in one `kv.atomic()` guarded by the
 * versionstamps just read; a lost race is retried, and `ConflictError` is thrown when it
 * keeps losing. Index entries hold the whole summary, so a dashboard page is one range read
 * whose cost does not depend on how many orders the customer has.
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
 * Adds to `op` the header, owner pointer, index entries and counters that move an order
 * from `prev` to `next` (either may be null), deleting index entries that no longer apply.
 */
function writeHeaderOps(op: Deno.AtomicOperation, prev: OrderHeader | null, next: OrderHeader) {
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

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
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
      updated_at: now.toISOString(),
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
    writeHeaderOps(op, prev, header);
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
 * A page of one customer's orders, newest first (by order date, then order number), from
 * ONE range read over the filter's index; `next_cursor` is null on the last page.
 */
export async function listOrders(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  opts: ListOrdersOptions = {},
): Promise<{ orders: OrderSummary[]; next_cursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const prefix = keys.indexPrefix(org, customerRef, opts.filter ?? "all");
  const selector: Deno.KvListSelector = opts.cursor
    ? { prefix, end: [...prefix, ...decodeCursor(opts.cursor)] }
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
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
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
      updated_at: shipment.last_refreshed_at ?? prevHeader.updated_at,
    };

    const op = kv.atomic().check(ownerEntry, headerEntry, shipmentEntry);
    op.set(keys.shipment(org, number, tracking), shipment);
    writeHeaderOps(op, prevHeader, header);
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
