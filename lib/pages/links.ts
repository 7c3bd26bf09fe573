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
 * "First page" is always there).
 */
export const MAX_PREV = 20;

export interface PageState {
  filter: OrderFilter;
  cursor: string | null;
  prev: string[];
}

function query(filter: OrderFilter, cursor: string | null, prev: string[]): URLSearchParams {
  const q = new URLSearchParams();
  if (filter !== "all") q.set("status", filter);
  if (cursor) q.set("cursor", cursor);
  for (const p of prev) q.append("prev", p);
  return q;
}

export function nextPageQuery(s: PageState, nextCursor: string): URLSearchParams {
  return query(s.filter, nextCursor, [...s.prev, s.cursor ?? ""].slice(-MAX_PREV));
}

export function prevPageQuery(s: PageState): URLSearchParams | null {
  if (!s.cursor) return null;
  const prev = [...s.prev];
  const target = prev.pop() ?? "";
  return query(s.filter, target || null, prev);
}

export function firstPageQuery(s: PageState): URLSearchParams {
  return query(s.filter, null, []);
}
