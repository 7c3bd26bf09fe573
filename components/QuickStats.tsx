/**
 * Quick Stats: active (processing + shipped), in transit, delivered, each a link to its
 * filter (plain links, no JS); the filter on show carries `aria-current`.
 */
import type { Locale, OrderFilter } from "@/lib/orders/model.ts";
import { formatCount } from "@/lib/i18n/format.ts";
import { dashboardHref, filterQuery } from "@/lib/pages/links.ts";
import type { T } from "@/lib/pages/messages.ts";

export interface Stats {
  active: number;
  in_transit: number;
  delivered: number;
}

export function QuickStats(
  { t, locale, token, stats, current }: {
    t: T;
    locale: Locale;
    token: string;
    stats: Stats;
    /** The filter the list shows (null while searching: no stat is the list then). */
    current: OrderFilter | null;
  },
) {
  const items = [
    ["active", "active", t("stats.active"), stats.active],
    ["in_transit", "transit", t("stats.inTransit"), stats.in_transit],
    ["delivered", "delivered", t("stats.delivered"), stats.delivered],
  ] as const;
  return (
    <section class="card" aria-labelledby="stats-title">
      <h2 id="stats-title" class="card__title">{t("stats.title")}</h2>
      <ul class="stats">
        {items.map(([filter, kind, label, value]) => (
          <li>
            <a
              class={`stat stat--${kind}`}
              href={dashboardHref(token, filterQuery(filter))}
              aria-current={current === filter ? "true" : undefined}
            >
              <span class="stat__label">{label}</span>
              <span class="stat__value">{formatCount(locale, value)}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
