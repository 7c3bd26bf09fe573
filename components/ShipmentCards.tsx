/**
 * Shipment Tracking cards: order, carrier + number, status, estimate, [Track]. A shipment
 * running late (lib/orders/running_late.ts) says so, with its new estimate or the missed one.
 */
import type { Locale, OrderStatus, ShipmentSummary } from "@/lib/orders/model.ts";
import { formatDate } from "@/lib/i18n/format.ts";
import { isShipmentLate } from "@/lib/orders/running_late.ts";
import { orderHref } from "@/lib/pages/links.ts";
import { carrierDisplayName } from "@/lib/pages/carrier.ts";
import type { T } from "@/lib/pages/messages.ts";
import { TrackingBadge } from "./StatusBadge.tsx";

export interface ShipmentCard {
  order_number: string;
  /** The order's status: a cancelled order's shipment is never late. */
  order_status: OrderStatus;
  shipment: ShipmentSummary;
}

export function ShipmentCards(
  { t, locale, token, cards, now }: {
    t: T;
    locale: Locale;
    token: string;
    cards: ShipmentCard[];
    /** ISO time of the request (lateness). */
    now: string;
  },
) {
  const at = new Date(now);
  return (
    <section class="card" aria-labelledby="ship-title">
      <h2 id="ship-title" class="card__title">{t("ship.title")}</h2>
      {cards.length === 0
        ? <p class="card__body muted">{t("ship.none")}</p>
        : (
          <ul class="shipments">
            {cards.map(({ order_number, order_status, shipment: s }) => {
              const late = isShipmentLate(s, at, { status: order_status });
              const revised = s.delivery?.revised_estimate;
              const newEstimate = revised && revised !== s.estimated_delivery ? revised : null;
              // The date never splits, even where the sentence around it wraps; with its year,
              // like the order list's dates.
              const shown = newEstimate ?? s.estimated_delivery;
              const est = shown ? formatDate(locale, shown).replaceAll(" ", "\u00a0") : null;
              const estKey = newEstimate ? "late.newEstimate" : late ? "late.was" : "ship.est";
              return (
                <li class={late ? "shipment shipment--late" : "shipment"}>
                  <span class="shipment__order">{order_number}</span>
                  <span class="shipment__carrier">
                    {carrierDisplayName(s.carrier, s.carrier_name)}{" "}
                    <span class="nowrap">#{s.tracking_number}</span>
                  </span>
                  <span class="shipment__state">
                    <TrackingBadge t={t} status={s.status} />
                    {late && <span class="badge badge--late">{t("late.badge")}</span>}
                  </span>
                  <span class="shipment__est">
                    {est ? t(estKey, { date: est }) : ""}
                  </span>
                  <a class="btn" href={`${orderHref(token, order_number)}#tracking`}>
                    {t("ship.track")}
                    <span class="sr-only">
                      {" " + t("ship.trackHidden", { number: order_number })}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
    </section>
  );
}
