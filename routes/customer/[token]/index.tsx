/**
 * The customer's dashboard (INT-007 Success State): welcome, Quick Stats (links to their
 * filters), Shipment Tracking cards (what moves comes first: before the list, so a phone
 * shows it in the first screen), Your Orders with search, filter, "21–40 of 137" and paging.
 * Server-rendered, no scripts.
 */
import { page } from "fresh";
import { z } from "zod";
import { formatCount, formatRelative } from "@/lib/i18n/format.ts";
import {
  type Customer,
  ORDER_FILTERS,
  type OrderFilter as Filter,
  type OrderSummary,
  type Org,
} from "@/lib/orders/model.ts";
import {
  type CustomerStats,
  DEFAULT_PAGE_SIZE,
  InvalidCursorError,
  quickStats,
} from "@/lib/orders/order_index.ts";
import { readDashboard } from "@/lib/orders/orders.ts";
import { MAX_QUERY_LENGTH, SEARCH_SCAN_LIMIT } from "@/lib/orders/search.ts";
import { dashboardHref, filterQuery, MAX_PREV, type PageState } from "@/lib/pages/links.ts";
import { pageMessages } from "@/lib/pages/messages.ts";
import { EmptyState } from "@/components/EmptyState.tsx";
import { OrderFilter } from "@/components/OrderFilter.tsx";
import { OrderTable } from "@/components/OrderTable.tsx";
import { Pagination, rangeText } from "@/components/Pagination.tsx";
import { QuickStats } from "@/components/QuickStats.tsx";
import { type ShipmentCard, ShipmentCards } from "@/components/ShipmentCards.tsx";
import { linkDefine } from "@/lib/state.ts";

/** Shipments in the cards: the latest shipped orders' parcels that are not delivered yet. */
const TRACKING_CARDS = 5;

interface DashboardData {
  org: Org;
  customer: Customer;
  token: string;
  stats: CustomerStats;
  orders: OrderSummary[];
  nextCursor: string | null;
  hasNext: boolean;
  total: number;
  exact: boolean;
  page: PageState;
  cards: ShipmentCard[];
  now: string;
}

const Cursor = z.string().max(400).regex(/^[A-Za-z0-9_-]+$/);
/** A search reads its bounded match list whole, so its pages stop there. */
const MAX_SEARCH_PAGE = Math.ceil(SEARCH_SCAN_LIMIT / DEFAULT_PAGE_SIZE);

/** The search box as typed: trimmed, one space between words, at most 64 characters. */
function searchQuery(url: URL): string {
  const raw = url.searchParams.get("q");
  if (!raw) return "";
  return raw.trim().replace(/\s+/g, " ").slice(0, MAX_QUERY_LENGTH);
}

function pageNumber(url: URL, max: number): number {
  const n = Number(url.searchParams.get("page") ?? "1");
  return Number.isInteger(n) ? Math.min(Math.max(n, 1), max) : 1;
}

/**
 * Reads filter, search and paging from the query; anything malformed falls back to the
 * first page.
 */
function pageState(url: URL): PageState {
  const status = url.searchParams.get("status") ?? "all";
  const filter = (ORDER_FILTERS as readonly string[]).includes(status) ? status as Filter : "all";
  const q = searchQuery(url);
  if (q) return { filter, q, cursor: null, prev: [], page: pageNumber(url, MAX_SEARCH_PAGE) };
  const raw = url.searchParams.get("cursor");
  // No cursor is the common case: skip zod there (a failed parse builds an error object).
  const cursor = raw === null ? null : Cursor.safeParse(raw);
  if (!cursor?.success) return { filter, cursor: null, prev: [] };
  const prev = url.searchParams.getAll("prev").slice(-MAX_PREV)
    .filter((p) => p === "" || Cursor.safeParse(p).success);
  // A cursor page is page 2 at least; its number only labels the range ("21–40").
  return {
    filter,
    cursor: cursor.data,
    prev,
    page: pageNumber(url, 1e6) < 2 ? 2 : pageNumber(url, 1e6),
  };
}

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { kv, clock } = ctx.state.services;
    const { org, customer, token } = ctx.state.access;
    let paging = pageState(ctx.url);
    // Counters, the page and the newest shipped orders: one getMany (a cursor page adds a
    // range read, a search its bounded range reads).
    const read = async () => {
      const opts = { recent: { filter: "shipped" as const, limit: TRACKING_CARDS } };
      const search = paging.q
        ? { q: paging.q, offset: ((paging.page ?? 1) - 1) * DEFAULT_PAGE_SIZE }
        : null;
      try {
        return await readDashboard(kv, org.slug, customer.ref, {
          ...opts,
          filter: paging.filter,
          cursor: paging.cursor,
          search,
        });
      } catch (err) {
        if (!(err instanceof InvalidCursorError)) throw err;
        paging = { ...paging, cursor: null, prev: [], page: 1 };
        return await readDashboard(kv, org.slug, customer.ref, {
          ...opts,
          filter: paging.filter,
          cursor: null,
        });
      }
    };
    let result = await read();
    // A search page past its last (an edited URL): show the last one instead.
    if (paging.q && result.page.orders.length === 0 && result.total > 0) {
      paging = { ...paging, page: Math.ceil(result.total / DEFAULT_PAGE_SIZE) };
      result = await read();
    }
    const { counts, page: list, recent: shipped } = result;
    // A cursor page's number only labels its range ("21–40"): an edited one must still
    // keep the range inside the list.
    const shown = result.page.orders.length;
    const last = Math.max(Math.floor((result.total - shown) / DEFAULT_PAGE_SIZE) + 1, 1);
    if (!paging.q && (paging.page ?? 1) > last) paging = { ...paging, page: last };
    const cards = shipped.flatMap((o) =>
      o.shipments.filter((s) => s.status !== "delivered").map((shipment) => ({
        order_number: o.order_number,
        order_status: o.status,
        shipment,
      }))
    ).slice(0, TRACKING_CARDS);
    ctx.state.title = pageMessages.t(ctx.state.locale, "dash.title");
    const data: DashboardData = {
      org,
      customer,
      token,
      stats: quickStats(counts),
      orders: list.orders,
      nextCursor: list.next_cursor,
      hasNext: paging.q
        ? (paging.page ?? 1) * DEFAULT_PAGE_SIZE < result.total
        : list.next_cursor !== null,
      total: result.total,
      exact: result.exact,
      page: paging,
      cards,
      now: clock.now().toISOString(),
    };
    return page(data);
  },
});

export default linkDefine.page<typeof handler>(function Dashboard({ data, state }) {
  const { locale } = state;
  const t = pageMessages.bind(locale);
  const { org, customer, token, page } = data;
  const lastVisit = customer.last_visit_at
    ? formatRelative(locale, customer.last_visit_at, new Date(data.now))
    : t("dash.firstVisit");
  return (
    <>
      <section class="welcome" aria-labelledby="welcome-title">
        <h1 id="welcome-title" class="welcome__title">
          {t("dash.welcome", { name: customer.name })}
        </h1>
        <p class="welcome__meta">
          <span>
            {t("dash.portalId")} <strong>{customer.ref}</strong>
          </span>
          <span>
            {t("dash.lastLogin")} <strong>{lastVisit}</strong>
          </span>
        </p>
      </section>
      <QuickStats
        t={t}
        locale={locale}
        token={token}
        stats={data.stats}
        current={page.q ? null : page.filter}
      />
      <ShipmentCards t={t} locale={locale} token={token} cards={data.cards} now={data.now} />
      <section class="card" aria-labelledby="orders-title">
        <div class="card__head">
          <h2 id="orders-title" class="card__title">{t("orders.title")}</h2>
          <OrderFilter t={t} filter={page.filter} q={page.q ?? ""} action={dashboardHref(token)} />
        </div>
        {(page.q || data.orders.length > 0) && (
          <p class="list-meta">
            {page.q && (
              <>
                <strong class="list-meta__query">{t("search.results", { q: page.q })}</strong>
                <a
                  class="list-meta__clear"
                  href={dashboardHref(token, filterQuery(page.filter))}
                >
                  {t("search.clear")}
                </a>
              </>
            )}
            {data.orders.length > 0 && (
              <span class="list-meta__range">
                {rangeText(t, locale, {
                  page: page.page ?? 1,
                  shown: data.orders.length,
                  total: data.total,
                  exact: data.exact,
                })}
              </span>
            )}
          </p>
        )}
        {data.orders.length === 0
          ? (
            <EmptyState
              t={t}
              org={org}
              filtered={page.filter !== "all"}
              q={page.q}
              allHref={dashboardHref(token)}
            />
          )
          : <OrderTable t={t} locale={locale} token={token} orders={data.orders} now={data.now} />}
        {!data.exact && (
          <p class="list-meta muted">
            {t("search.refine", { count: formatCount(locale, SEARCH_SCAN_LIMIT) })}
          </p>
        )}
        <Pagination
          t={t}
          token={token}
          state={page}
          nextCursor={data.nextCursor}
          hasNext={data.hasNext}
        />
      </section>
    </>
  );
});
