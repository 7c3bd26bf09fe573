/**
 * The customer's dashboard (INT-007 Success State): welcome, Quick Stats, Your Orders with
 * the filter and paging, Shipment Tracking cards. Server-rendered, no scripts.
 */
import { page } from "fresh";
import { z } from "zod";
import { formatRelative } from "@/lib/i18n/format.ts";
import {
  type Customer,
  ORDER_FILTERS,
  type OrderFilter as Filter,
  type OrderSummary,
  type Org,
} from "@/lib/orders/model.ts";
import { type CustomerStats, InvalidCursorError } from "@/lib/orders/order_index.ts";
import { readDashboard } from "@/lib/orders/orders.ts";
import { dashboardHref, MAX_PREV, type PageState } from "@/lib/pages/links.ts";
import { pageMessages } from "@/lib/pages/messages.ts";
import { EmptyState } from "@/components/EmptyState.tsx";
import { OrderFilter } from "@/components/OrderFilter.tsx";
import { OrderTable } from "@/components/OrderTable.tsx";
import { Pagination } from "@/components/Pagination.tsx";
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
  page: PageState;
  cards: ShipmentCard[];
  now: string;
}

const Cursor = z.string().max(400).regex(/^[A-Za-z0-9_-]+$/);

/** Reads filter and paging from the query; anything malformed falls back to the first page. */
function pageState(url: URL): PageState {
  const status = url.searchParams.get("status") ?? "all";
  const filter = (ORDER_FILTERS as readonly string[]).includes(status) ? status as Filter : "all";
  const raw = url.searchParams.get("cursor");
  // No cursor is the common case: skip zod there (a failed parse builds an error object).
  const cursor = raw === null ? null : Cursor.safeParse(raw);
  if (!cursor?.success) return { filter, cursor: null, prev: [] };
  const prev = url.searchParams.getAll("prev").slice(-MAX_PREV)
    .filter((p) => p === "" || Cursor.safeParse(p).success);
  return { filter, cursor: cursor.data, prev };
}

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { kv, clock } = ctx.state.services;
    const { org, customer, token } = ctx.state.access;
    let paging = pageState(ctx.url);
    // Stats, the page and the newest shipped orders: one getMany (a cursor page adds a range).
    const read = async () => {
      const opts = { recent: { filter: "shipped" as const, limit: TRACKING_CARDS } };
      try {
        return await readDashboard(kv, org.slug, customer.ref, {
          ...opts,
          filter: paging.filter,
          cursor: paging.cursor,
        });
      } catch (err) {
        if (!(err instanceof InvalidCursorError)) throw err;
        paging = { ...paging, cursor: null, prev: [] };
        return await readDashboard(kv, org.slug, customer.ref, {
          ...opts,
          filter: paging.filter,
          cursor: null,
        });
      }
    };
    const { stats, page: result, recent: shipped } = await read();
    const cards = shipped.flatMap((o) =>
      o.shipments.filter((s) => s.status !== "delivered").map((shipment) => ({
        order_number: o.order_number,
        shipment,
      }))
    ).slice(0, TRACKING_CARDS);
    ctx.state.title = pageMessages.t(ctx.state.locale, "dash.title");
    const data: DashboardData = {
      org,
      customer,
      token,
      stats,
      orders: result.orders,
      nextCursor: result.next_cursor,
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
      <QuickStats t={t} stats={data.stats} />
      <section class="card" aria-labelledby="orders-title">
        <div class="card__head">
          <h2 id="orders-title" class="card__title">{t("orders.title")}</h2>
          <OrderFilter t={t} filter={page.filter} action={dashboardHref(token)} />
        </div>
        {data.orders.length === 0
          ? (
            <EmptyState
              t={t}
              org={org}
              filtered={page.filter !== "all"}
              allHref={dashboardHref(token)}
            />
          )
          : <OrderTable t={t} locale={locale} token={token} orders={data.orders} now={data.now} />}
        <Pagination t={t} token={token} state={page} nextCursor={data.nextCursor} />
      </section>
      <ShipmentCards t={t} locale={locale} token={token} cards={data.cards} />
    </>
  );
});
