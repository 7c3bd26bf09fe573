/**
 * Searching one customer's orders by order number and by their purchase order number
 * (`customer_po`), bounded whatever the number of orders.
 *
 * Each order has up to four search terms, each an entry
 * `["order_search", org, ref, term, order_date, number]` written in the order's own atomic
 * op (`order_index.ts`): its number ("ORD-008456"), the number's last run of digits without
 * leading zeros ("8456", so "8456" and "008456" find it), its PO ("PO-4471") and the PO's
 * digits ("4471"). Terms are upper-cased with spaces collapsed. A search is a prefix range
 * read over the terms (at most two ranges, `SEARCH_SCAN_LIMIT` entries in all): the value of
 * each entry is the list of filters the order is in, so a search within a filter needs no
 * other read; the page's rows are then point reads of the "all" index (its summaries).
 */
import type { OrderFilter, OrderSummary } from "./model.ts";
import { keys } from "./keys.ts";

/** Entries a search reads at most; past it the count says "1,000+" and asks to refine. */
export const SEARCH_SCAN_LIMIT = 1000;
/** The longest query that means anything: terms are at most 64 characters. */
export const MAX_QUERY_LENGTH = 64;

/** Upper case, one space between words, trimmed: how terms are stored and queries compared. */
export function normalizeTerm(s: string): string {
  return s.normalize("NFKC").trim().replace(/\s+/g, " ").toUpperCase();
}

/** "ORD-008456" → "8456": the last run of digits, leading zeros dropped ("0" stays "0"). */
function digitsOf(term: string): string | null {
  const run = term.match(/(\d+)\D*$/)?.[1];
  return run ? run.replace(/^0+(?=\d)/, "") : null;
}

/** The search terms of an order (no duplicates). */
export function searchTerms(o: { order_number: string; customer_po?: string }): string[] {
  const terms = new Set<string>();
  for (const raw of [o.order_number, o.customer_po]) {
    if (!raw) continue;
    const term = normalizeTerm(raw);
    if (!term) continue;
    terms.add(term);
    const digits = digitsOf(term);
    if (digits) terms.add(digits);
  }
  return [...terms];
}

/** The prefixes a query is looked up under: as typed, and as digits without leading zeros. */
export function queryPrefixes(q: string): string[] {
  const term = normalizeTerm(q).slice(0, MAX_QUERY_LENGTH);
  if (!term) return [];
  const out = [term];
  if (/^\d+$/.test(term)) {
    const stripped = term.replace(/^0+(?=\d)/, "");
    if (stripped !== term) out.push(stripped);
  }
  return out;
}

/** A search's next page as an opaque cursor (its offset), like listOrders' cursors. */
export function encodeSearchCursor(offset: number): string {
  return btoa(JSON.stringify({ o: offset })).replace(/=+$/, "");
}

/** The offset of a search cursor; null when it is not one encodeSearchCursor made. */
export function decodeSearchCursor(cursor: string): number | null {
  try {
    if (cursor.length > 40 || !/^[A-Za-z0-9+/]+$/.test(cursor)) return null;
    const raw = JSON.parse(atob(cursor));
    const o = raw?.o;
    return Number.isInteger(o) && o > 0 && o <= SEARCH_SCAN_LIMIT ? o : null;
  } catch {
    return null;
  }
}

export interface SearchPage {
  orders: OrderSummary[];
  /** Matching orders counted (at most SEARCH_SCAN_LIMIT). */
  total: number;
  /** False when more matched than were counted. */
  exact: boolean;
}

/** Above every character a term can hold: the end of a prefix range. */
const PREFIX_END = "\u{10FFFF}";

/**
 * One page (`offset`, `limit`) of the orders whose number or PO starts with `q`, within
 * `filter`, newest first (order date, then number) like the lists.
 */
export async function searchOrders(
  kv: Deno.Kv,
  org: string,
  ref: string,
  q: string,
  opts: {
    filter: OrderFilter;
    offset: number;
    limit: number;
    /** Entries read at most (tests lower it); SEARCH_SCAN_LIMIT by default. */
    scanLimit?: number;
  },
): Promise<SearchPage> {
  const found = new Map<string, { date: string; number: string }>();
  let exact = true;
  let budget = opts.scanLimit ?? SEARCH_SCAN_LIMIT;
  for (const prefix of queryPrefixes(q)) {
    const base = keys.searchPrefix(org, ref);
    const selector = { start: [...base, prefix], end: [...base, prefix + PREFIX_END] };
    let read = 0;
    for await (const e of kv.list<string[]>(selector, { limit: budget + 1 })) {
      if (++read > budget) {
        exact = false;
        break;
      }
      if (!e.value.includes(opts.filter)) continue;
      const [date, number] = e.key.slice(-2) as [string, string];
      found.set(number, { date, number });
    }
    budget -= Math.min(read, budget);
    if (!exact || budget === 0) break;
  }
  const sorted = [...found.values()].sort((a, b) =>
    a.date !== b.date ? (a.date < b.date ? 1 : -1) : a.number < b.number ? 1 : -1
  );
  const slice = sorted.slice(opts.offset, opts.offset + opts.limit);
  const orders: OrderSummary[] = [];
  // getMany takes at most 10 keys.
  for (let i = 0; i < slice.length; i += 10) {
    const entries = await kv.getMany<OrderSummary[]>(
      slice.slice(i, i + 10).map((m) => keys.index(org, ref, "all", m.date, m.number)),
    );
    for (const e of entries) if (e.value) orders.push(e.value);
  }
  return { orders, total: sorted.length, exact };
}
