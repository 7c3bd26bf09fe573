/**
 * Your Orders: a table on wide screens, cards under 640 px (CSS only). Each row's
 * accessible name is the spec's sentence: "Order {number}, Placed {date}, {n} items,
 * Total {amount}, Delivery expected {date}, Status: {status}".
 */
import type { Locale, OrderStatus, OrderSummary } from "@/lib/orders/model.ts";
import { formatDate, formatMoney } from "@/lib/i18n/format.ts";
import { deliveryOutlook } from "@/lib/orders/progress.ts";
import { orderHref } from "@/lib/pages/links.ts";
import type { T } from "@/lib/pages/messages.ts";

/**
 * The second line under the status: tracking number, estimated ship or delivered date. Every
 * date of the list carries its year ("Jan 14, 2026"), as the delivery column always did: in
 * December "Jan 14" could be either January, and a row's dates should read alike.
 */
export function statusDetail(
  t: T,
  locale: Locale,
  o: OrderSummary,
): string | null {
  const shipment = o.shipments[0];
  if (o.status === "shipped" && shipment) {
    return t("row.track", { number: shipment.tracking_number });
  }
  if (o.status === "processing" && o.estimated_ship_date) {
    return t("row.estShip", { date: formatDate(locale, o.estimated_ship_date) });
  }
  if (o.status === "delivered") {
    const at = o.shipments.find((s) => s.delivered_at)?.delivered_at ?? o.delivery_date;
    return t("row.delivered", { date: formatDate(locale, at) });
  }
  return null;
}

export function rowLabel(t: T, locale: Locale, o: OrderSummary): string {
  return rowLabelWith(t, locale, o, t(`status.${o.status}`));
}

function rowLabelWith(t: T, locale: Locale, o: OrderSummary, status: string): string {
  return t("row.label", {
    number: o.order_number,
    date: formatDate(locale, o.order_date),
    count: o.items_count,
    amount: formatMoney(locale, o.total, o.currency),
    delivery: formatDate(locale, o.delivery_date),
    status,
  });
}

export function OrderTable(
  { t, locale, token, orders, now }: {
    t: T;
    locale: Locale;
    token: string;
    orders: OrderSummary[];
    /** ISO time of the request (lateness). */
    now: string;
  },
) {
  const at = new Date(now);
  const late = t("late.badge");
  const lateLabel = t("late.label");
  // Per page, not per row: the strings every row repeats.
  const col = {
    date: t("col.date"),
    items: t("col.items"),
    total: t("col.total"),
    delivery: t("col.delivery"),
  };
  const view = t("row.view");
  const status: Record<OrderStatus, string> = {
    processing: t("status.processing"),
    shipped: t("status.shipped"),
    delivered: t("status.delivered"),
    cancelled: t("status.cancelled"),
  };
  return (
    <table class="orders">
      <thead>
        <tr>
          <th scope="col">{t("col.order")}</th>
          <th scope="col">{col.date}</th>
          <th scope="col" class="num">{col.items}</th>
          <th scope="col" class="num">{col.total}</th>
          <th scope="col">{col.delivery}</th>
          <th scope="col">{t("col.status")}</th>
          <th scope="col">
            <span class="sr-only">{t("col.actions")}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => {
          const detail = statusDetail(t, locale, o);
          // The order page's status line decides it too (lib/orders/running_late.ts).
          const outlook = deliveryOutlook(o, o.shipments, at);
          const isLate = outlook.kind === "late";
          const newEstimate = isLate && outlook.original ? outlook.expected : undefined;
          const label = isLate ? `${status[o.status]}, ${lateLabel}` : status[o.status];
          return (
            <tr aria-label={rowLabelWith(t, locale, o, label)}>
              <th scope="row" class="orders__number">
                <span class="nowrap">{o.order_number}</span>
                {o.customer_po && (
                  <span class="orders__po">{t("row.po", { po: o.customer_po })}</span>
                )}
              </th>
              <td data-label={col.date}>
                <span class="nowrap">{formatDate(locale, o.order_date)}</span>
              </td>
              <td data-label={col.items} class="num">{o.items_count}</td>
              <td data-label={col.total} class="num">
                <span class="amount">{formatMoney(locale, o.total, o.currency)}</span>
              </td>
              <td data-label={col.delivery}>
                <span class="nowrap">{formatDate(locale, o.delivery_date)}</span>
              </td>
              <td class="orders__status">
                {/* StatusBadge's markup, inline: a component per row costs a render call. */}
                <span class={`badge badge--${o.status}`}>{status[o.status]}</span>
                {isLate && <span class="badge badge--late">{late}</span>}
                {newEstimate && (
                  <span class="orders__detail">
                    {t("late.newEstimate", {
                      date: formatDate(locale, newEstimate),
                    })}
                  </span>
                )}
                {detail && <span class="orders__detail">{detail}</span>}
              </td>
              <td class="orders__action">
                <a class="btn" href={orderHref(token, o.order_number)}>
                  {view}
                  <span class="sr-only">
                    {" " + t("row.viewHidden", { number: o.order_number })}
                  </span>
                </a>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
