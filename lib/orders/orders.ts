/**
 * Orders: the record (header and line chunks), written with its index entries, heads and
 * counters (`order_index.ts`) in one `kv.atomic()` guarded by the versionstamps just read; a
 * lost race is retried, and ConflictError is thrown when it keeps losing. Keys in `keys.ts`.
 */
import { ConflictError, InvalidInputError, NotFoundError, parseInput } from "@/lib/errors.ts";
import type { Customer, Order, OrderFilter, OrderSummary } from "./model.ts";
import { OrderInput } from "./input.ts";
import { computeTotals, normalizeDecimal, normalizePrice } from "./money.ts";
import {
  estimateBytes,
  lockCustomer,
  MAX_ATTEMPTS,
  MAX_VALUE_BYTES,
  retryPause,
} from "./atomic.ts";
import { keys } from "./keys.ts";
import { UnknownCustomerError } from "./customers.ts";
import { searchOrders } from "./search.ts";
import {
  countsFrom,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  type FilterCounts,
  HEAD_SIZE,
  headerSummary,
  listIndex,
  nextUpdatedAt,
  type OrderHead,
  type OrderHeader,
  pageFromHead,
  pageLimit,
  STAT_NAMES,
  writeHeaderOps,
} from "./order_index.ts";

/** No such order in this org (or not this customer's). */
export class OrderNotFoundError extends NotFoundError {}

/** A limit that keeps values inside Deno KV's 64 KiB (e.g. too many shipments). */
export class LimitError extends InvalidInputError {
  constructor(message: string) {
    super({ _: [message] }, message);
  }
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
 * Throws UnknownCustomerError, InvalidInputError, LimitError or ConflictError.
 */
export async function upsertOrder(
  kv: Deno.Kv,
  org: string,
  number: string,
  rawInput: OrderInput,
  now: Date,
): Promise<{ order: Order; created: boolean }> {
  const input = parseInput(OrderInput, rawInput);
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
      ...(input.customer_po ? { customer_po: input.customer_po } : {}),
      shipments: prev?.shipments ?? [],
      created_at: prev?.created_at ?? now.toISOString(),
      updated_at: nextUpdatedAt(prev?.updated_at, now.toISOString()),
      // "Cancelled on Jan 3": the first write that cancels it; a reinstated order loses it.
      ...(input.status === "cancelled"
        ? { cancelled_at: prev?.cancelled_at ?? now.toISOString() }
        : {}),
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

/**
 * Everything a dashboard view reads, in one getMany whatever the number of orders: every
 * filter's counter (Quick Stats and the list's total), the page of `filter` (a cursor page
 * adds one range read) and the newest `recent.limit` orders of `recent.filter` (the Shipment
 * Tracking cards). With `search`, the page is that search's instead (bounded range reads,
 * search.ts), in the same round trip as the counters.
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
    search?: { q: string; offset: number } | null;
  },
): Promise<{
  counts: FilterCounts;
  page: { orders: OrderSummary[]; next_cursor: string | null };
  /** Orders matching the filter or search (for a search, at most SEARCH_SCAN_LIMIT). */
  total: number;
  /** False when a search matched more than it counted. */
  exact: boolean;
  recent: OrderSummary[];
}> {
  const search = opts.search ?? null;
  if (opts.cursor && !search) decodeCursor(opts.cursor);
  const limit = DEFAULT_PAGE_SIZE;
  const recentLimit = pageLimit(opts.recent.limit);
  const n = STAT_NAMES.length;
  const keysRead: Deno.KvKey[] = [
    ...STAT_NAMES.map((name) => keys.stat(org, ref, name)),
    keys.head(org, ref, opts.recent.filter),
  ];
  const headFirst = !opts.cursor && !search;
  if (headFirst) keysRead.push(keys.head(org, ref, opts.filter));
  const [entries, cursorPage, found] = await Promise.all([
    kv.getMany<unknown[]>(keysRead),
    opts.cursor && !search ? listIndex(kv, org, ref, opts.filter, opts.cursor, limit) : null,
    search
      ? searchOrders(kv, org, ref, search.q, { filter: opts.filter, offset: search.offset, limit })
      : null,
  ]);
  const counts = countsFrom(entries);
  const recentHead = entries[n].value as OrderHead | null;
  const [page, recent] = await Promise.all([
    found
      ? { orders: found.orders, next_cursor: null }
      : cursorPage ?? pageFromHead(entries[n + 1].value as OrderHead | null, limit) ??
        listIndex(kv, org, ref, opts.filter, null, limit),
    recentHead && (recentHead.complete || recentHead.orders.length >= recentLimit)
      ? recentHead.orders.slice(0, recentLimit)
      : listIndex(kv, org, ref, opts.recent.filter, null, recentLimit).then((p) => p.orders),
  ]);
  return {
    counts,
    page,
    total: found ? found.total : counts[opts.filter],
    exact: found ? found.exact : true,
    recent,
  };
}
