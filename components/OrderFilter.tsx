/**
 * The list's controls as two GET forms that work without JavaScript: search by order or PO
 * number (keeps the filter), and the filter (keeps the search). Every control is 48 px.
 */
import { ORDER_FILTERS, type OrderFilter as Filter } from "@/lib/orders/model.ts";
import { MAX_QUERY_LENGTH } from "@/lib/orders/search.ts";
import type { T } from "@/lib/pages/messages.ts";

export function OrderFilter(
  { t, filter, q, action }: { t: T; filter: Filter; q: string; action: string },
) {
  return (
    <div class="list-controls">
      <form class="search" method="get" action={action} role="search">
        <label for="order-search">{t("search.label")}</label>
        <span class="search__row">
          <input
            id="order-search"
            name="q"
            type="search"
            value={q}
            maxLength={MAX_QUERY_LENGTH}
            autocomplete="off"
            spellcheck={false}
            aria-describedby="order-search-hint"
          />
          {filter !== "all" && <input type="hidden" name="status" value={filter} />}
          <button class="btn" type="submit">{t("search.submit")}</button>
        </span>
        <span id="order-search-hint" class="search__hint">{t("search.hint")}</span>
      </form>
      <form class="filter" method="get" action={action}>
        <label for="status-filter">{t("filter.label")}</label>
        <span class="filter__row">
          <select id="status-filter" name="status">
            {ORDER_FILTERS.map((f) => (
              <option value={f} selected={f === filter}>{t(`filter.${f}`)}</option>
            ))}
          </select>
          {q && <input type="hidden" name="q" value={q} />}
          <button class="btn" type="submit">{t("filter.apply")}</button>
        </span>
      </form>
    </div>
  );
}
