/** Previous / next page links for the cursor-paged order list (plain links, no JS). */
import { firstPageQuery, nextPageQuery, type PageState, prevPageQuery } from "@/lib/pages/links.ts";
import { dashboardHref } from "@/lib/pages/links.ts";
import type { T } from "@/lib/pages/messages.ts";

export function Pagination(
  { t, token, state, nextCursor }: {
    t: T;
    token: string;
    state: PageState;
    nextCursor: string | null;
  },
) {
  const prev = prevPageQuery(state);
  if (!prev && !nextCursor) return null;
  // Past the remembered stack the previous link would restart; offer the first page too.
  const showFirst = state.cursor && state.prev.length > 0 && state.prev[0] !== "";
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
      {nextCursor && (
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
