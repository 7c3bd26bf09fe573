/** Quick Stats: active (processing + shipped), in transit, delivered. */
import type { T } from "@/lib/pages/messages.ts";

export interface Stats {
  active: number;
  in_transit: number;
  delivered: number;
}

export function QuickStats({ t, stats }: { t: T; stats: Stats }) {
  const items = [
    ["active", t("stats.active"), stats.active],
    ["transit", t("stats.inTransit"), stats.in_transit],
    ["delivered", t("stats.delivered"), stats.delivered],
  ] as const;
  return (
    <section class="card" aria-labelledby="stats-title">
      <h2 id="stats-title" class="card__title">{t("stats.title")}</h2>
      <dl class="stats">
        {items.map(([kind, label, value]) => (
          <div class={`stat stat--${kind}`}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
