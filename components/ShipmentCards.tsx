/** Shipment Tracking cards: order, carrier + number, status, estimate, [Track]. */
import type { Locale, ShipmentSummary } from "@/lib/orders/model.ts";
import { formatShortDate } from "@/lib/i18n/format.ts";
import { orderHref } from "@/lib/pages/links.ts";
import { carrierDisplayName } from "@/lib/pages/carrier.ts";
import type { T } from "@/lib/pages/messages.ts";
import { TrackingBadge } from "./StatusBadge.tsx";

export interface ShipmentCard {
  order_number: string;
  shipment: ShipmentSummary;
}

export function ShipmentCards(
  { t, locale, token, cards }: { t: T; locale: Locale; token: string; cards: ShipmentCard[] },
) {
  return (
    <section class="card" aria-labelledby="ship-title">
      <h2 id="ship-title" class="card__title">{t("ship.title")}</h2>
      {cards.length === 0
        ? <p class="card__body muted">{t("ship.none")}</p>
        : (
          <ul class="shipments">
            {cards.map(({ order_number, shipment: s }) => (
              <li class="shipment">
                <span class="shipment__order">{order_number}</span>
                <span class="shipment__carrier">
                  {carrierDisplayName(s.carrier, s.carrier_name)} #{s.tracking_number}
                </span>
                <TrackingBadge t={t} status={s.status} />
                <span class="shipment__est">
                  {s.estimated_delivery
                    ? t("ship.est", { date: formatShortDate(locale, s.estimated_delivery) })
                    : ""}
                </span>
                <a class="btn" href={`${orderHref(token, order_number)}#tracking`}>
                  {t("ship.track")}
                  <span class="sr-only">
                    {" " + t("ship.trackHidden", { number: order_number })}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
