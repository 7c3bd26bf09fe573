/** URLs of the customer pages. The token is path-encoded and never leaves the response. */
import type { OrderFilter } from "@/lib/orders/model.ts";

export function dashboardHref(token: string, q?: URLSearchParams): string {
  const base = `/customer/${encodeURIComponent(token)}`;
  const qs = q?.toString();
  return qs ? `${base}?${qs}` : base;
}

export function orderHref(token: string, orderNumber: string): string {
  return `/customer/${encodeURIComponent(token)}/orders/${encodeURIComponent(orderNumber)}`;
}

export function reportHref(token: string, orderNumber: string): string {
  return `${orderHref(token, orderNumber)}/report`;
}

export function trackingApiHref(token: string, orderNumber: string): string {
  return `/api/portal/customer/${encodeURIComponent(token)}/orders/${
    encodeURIComponent(orderNumber)
  }/tracking`;
}

/**
 * Paging state in the dashboard URL: `cursor` is this page's start (from listOrders), `prev`
 * the starts of the pages before it ("" = the first page). KV cursors only go forward, so
 * the way back travels in the link; the stack is capped to keep URLs short (beyond it,
 * "First page" is always there). `page` (from 1) numbers the page for "21–40 of 137"; a
 * search (`q`) is paged by `page` alone, since it reads its bounded match list whole.
 */
export const MAX_PREV = 20;

export interface PageState {
  filter: OrderFilter;
  cursor: string | null;
  prev: string[];
  /** This page's number, from 1. */
  page?: number;
  /** The search query as typed (trimmed), "" or absent for none. */
  q?: string;
}

function query(
  s: PageState,
  cursor: string | null,
  prev: string[],
  page: number,
): URLSearchParams {
  const q = new URLSearchParams();
  if (s.q) q.set("q", s.q);
  if (s.filter !== "all") q.set("status", s.filter);
  if (!s.q && cursor) q.set("cursor", cursor);
  if (!s.q) { for (const p of prev) q.append("prev", p); }
  if (page > 1) q.set("page", String(page));
  return q;
}

const pageOf = (s: PageState) => s.page ?? 1;

/** The next page: for a list, from `nextCursor`; for a search, the next number. */
export function nextPageQuery(s: PageState, nextCursor: string | null): URLSearchParams {
  if (s.q) return query(s, null, [], pageOf(s) + 1);
  return query(s, nextCursor, [...s.prev, s.cursor ?? ""].slice(-MAX_PREV), pageOf(s) + 1);
}

export function prevPageQuery(s: PageState): URLSearchParams | null {
  if (s.q) return pageOf(s) > 1 ? query(s, null, [], pageOf(s) - 1) : null;
  if (!s.cursor) return null;
  const prev = [...s.prev];
  const target = prev.pop() ?? "";
  return query(s, target || null, prev, target ? Math.max(pageOf(s) - 1, 2) : 1);
}

export function firstPageQuery(s: PageState): URLSearchParams {
  return query(s, null, [], 1);
}

/** A filter's first page (Quick Stats links), without a search. */
export function filterQuery(filter: OrderFilter): URLSearchParams {
  return query({ filter, cursor: null, prev: [] }, null, [], 1);
}
