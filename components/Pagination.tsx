/**
 * Which orders are shown of how many ("21–40 of 137 orders", over the list), and the
 * previous / next page links under it (plain links, no JS). A list pages by cursor, a search
 * by number.
 */
import type { Locale } from "@/lib/orders/model.ts";
import { formatCount } from "@/lib/i18n/format.ts";
import { DEFAULT_PAGE_SIZE } from "@/lib/orders/order_index.ts";
import { firstPageQuery, nextPageQuery, type PageState, prevPageQuery } from "@/lib/pages/links.ts";
import { dashboardHref } from "@/lib/pages/links.ts";
import type { T } from "@/lib/pages/messages.ts";

/** "21–40 of 137 orders" in the locale; "… of more than 1,000" when a search was capped. */
export function rangeText(
  t: T,
  locale: Locale,
  { page, shown, total, exact }: { page: number; shown: number; total: number; exact: boolean },
): string {
  const from = shown === 0 ? 0 : (page - 1) * DEFAULT_PAGE_SIZE + 1;
  const vars = {
    from: formatCount(locale, from),
    to: formatCount(locale, from + shown - (shown ? 1 : 0)),
    total: formatCount(locale, total),
    count: total,
  };
  return t(exact ? "list.range" : "list.rangeMore", vars);
}

export function Pagination(
  { t, token, state, nextCursor, hasNext }: {
    t: T;
    token: string;
    state: PageState;
    nextCursor: string | null;
    hasNext: boolean;
  },
) {
  const prev = prevPageQuery(state);
  if (!prev && !hasNext) return null;
  // Past the remembered stack the previous link would restart; offer the first page too.
  const showFirst = !state.q && state.cursor && state.prev.length > 0 && state.prev[0] !== "";
  return (
    <nav class="pager" aria-label={t("page.nav")}>
      {showFirst && (
        <a class="btn btn--ghost" href={dashboardHref(token, firstPageQuery(state))}>
          {t("page.first")}
        </a>
      )}
      {prev && (
        <a class="btn btn--ghost" rel="prev" href={dashboardHref(token, prev)}>
          <span aria-hidden="true">←</span> {t("page.prev")}
        </a>
      )}
      {hasNext && (
        <a
          class="btn btn--ghost"
          rel="next"
          href={dashboardHref(token, nextPageQuery(state, nextCursor))}
        >
          {t("page.next")} <span aria-hidden="true">→</span>
        </a>
      )}
    </nav>
  );
}
