/** The filter as a GET form: works without JavaScript (choose, then Apply). */
import { ORDER_FILTERS, type OrderFilter as Filter } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";

export function OrderFilter({ t, filter, action }: { t: T; filter: Filter; action: string }) {
  return (
    <form class="filter" method="get" action={action}>
      <label for="status-filter">{t("filter.label")}</label>
      <select id="status-filter" name="status">
        {ORDER_FILTERS.map((f) => (
          <option value={f} selected={f === filter}>{t(`filter.${f}`)}</option>
        ))}
      </select>
      <button class="btn" type="submit">{t("filter.apply")}</button>
    </form>
  );
}
