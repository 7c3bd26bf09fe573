/**
 * Order detail (INT-007 Order Detail View), phone first: the status at a glance (one line in
 * the customer's words, the step indicator), shipment tracking with the timeline island and
 * the carrier link-out, order information, items with exact totals and localized units,
 * documents, [Download All] and [Report Issue]. A cancelled order says so and when, offers no
 * packing slip, marks its invoice cancelled, and has no expected delivery or shipment emails.
 * An order outside this link's customer is a 404 page.
 */
import { page } from "fresh";
import type { ComponentChildren } from "preact";
import {
  formatDate,
  formatMoment,
  formatMoney,
  formatQuantity,
  formatTime,
  formatUnitPrice,
} from "@/lib/i18n/format.ts";
import { withUnit } from "@/lib/i18n/units.ts";
import { NotFoundError } from "@/lib/errors.ts";
import type { Locale, Order, Org, Shipment } from "@/lib/orders/model.ts";
import { shipmentOutlook, shipmentStep } from "@/lib/orders/progress.ts";
import { isShipmentLate } from "@/lib/orders/running_late.ts";
import { trackingUrl } from "@/lib/orders/carrier_links.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/orders.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { documentLinks } from "@/lib/documents/links.ts";
import { t as docT } from "@/lib/documents/messages.ts";
import { carrierBrand, carrierDisplayName } from "@/lib/pages/carrier.ts";
import { dashboardHref, reportHref, trackingApiHref } from "@/lib/pages/links.ts";
import { pageMessages, type T } from "@/lib/pages/messages.ts";
import { factLabels, outlookText } from "@/lib/pages/outlook_text.ts";
import { StatusBadge, TrackingBadge } from "@/components/StatusBadge.tsx";
import { OrderGlance } from "@/components/OrderGlance.tsx";
import { ProgressSteps } from "@/components/ProgressSteps.tsx";
import TrackingTimeline from "@/islands/TrackingTimeline.tsx";
import ReportIssue from "@/islands/ReportIssue.tsx";
import { formMessages } from "@/lib/issues/messages.ts";
import { ShipmentEmails } from "@/components/ShipmentEmails.tsx";
import { isTrackingEmailOptedOut } from "@/lib/tracking/notify.ts";
import { type Notice, NoticeParam } from "@/lib/tracking/optout_form.ts";
import { requestRefreshIfStale } from "@/lib/tracking/poller.ts";
import { log } from "@/lib/log.ts";
import { linkDefine } from "@/lib/state.ts";
import { YourReports } from "@/components/YourReports.tsx";

interface DetailData {
  token: string;
  org: Org;
  order: Order;
  shipments: Shipment[];
  now: string;
  /** Pre-fills the report form's contact email. */
  contactEmail: string;
  /** Shipment emails: the customer's setting, who it is for, and the form's way back. */
  emails: {
    optedOut: boolean;
    customerName: string;
    returnTo: string;
    notice: Notice | null;
  };
}

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { org, customer, token } = ctx.state.access;
    const number = ctx.params.order_id;
    // Scoped by org and customer: another customer's order number is simply not found.
    if (!OrderNumber.safeParse(number).success) throw new NotFoundError("No such order.");
    const { services } = ctx.state;
    const [order, shipments, optedOut] = await Promise.all([
      getOrder(services.kv, org.slug, customer.ref, number),
      getShipments(services.kv, org.slug, customer.ref, number),
      isTrackingEmailOptedOut(services.kv, org.slug, customer.ref),
    ]);
    if (!order) throw new NotFoundError("No such order.");
    // A cache older than TRACKING_STALE_MINUTES asks the queue for a carrier refresh
    // (deduplicated per shipment). It only enqueues: the page shows the cache it has and
    // never waits for a carrier.
    const refreshing = Promise.all(shipments.map((s) => requestRefreshIfStale(services, s)))
      .catch((err) => log.warn("order page refresh request failed", { err }));
    ctx.state.title = pageMessages.t(ctx.state.locale, "detail.title", {
      number: order.order_number,
    });
    const back = new URL(ctx.url);
    back.searchParams.delete("notice");
    const notice = NoticeParam.safeParse(ctx.url.searchParams.get("notice"));
    await refreshing;
    return page<DetailData>({
      token,
      org,
      order,
      shipments,
      now: services.clock.now().toISOString(),
      contactEmail: customer.email,
      emails: {
        optedOut,
        customerName: customer.name,
        returnTo: back.pathname + back.search,
        notice: notice.success ? notice.data : null,
      },
    });
  },
});

export default linkDefine.page<typeof handler>(function OrderDetail({ data, state }) {
  const { locale } = state;
  const t = pageMessages.bind(locale);
  const { order, token, shipments } = data;
  const now = new Date(data.now);
  const cancelled = order.status === "cancelled";
  return (
    <>
      <div class="detail-head">
        <h1>
          <Placed
            text={t("detail.title", { number: "\u0000" })}
            part={<span class="ordno">{order.order_number}</span>}
          />
        </h1>
        <a class="btn btn--ghost back" href={dashboardHref(token)}>
          <span aria-hidden="true">←</span> {t("detail.back")}
        </a>
      </div>
      <OrderGlance
        t={t}
        locale={locale}
        order={order}
        shipments={shipments}
        org={data.org}
        now={now}
      />
      {!(cancelled && shipments.length === 0) && (
        <section class="card" id="tracking" tabIndex={-1} aria-labelledby="tracking-title">
          <h2 id="tracking-title" class="card__title">{t("st.title")}</h2>
          {shipments.length === 0
            ? (
              <div class="card__body">
                <p>{t("st.notShipped")}</p>
                {order.status === "processing" && order.estimated_ship_date && (
                  <p>{t("st.estShip", { date: formatDate(locale, order.estimated_ship_date) })}</p>
                )}
              </div>
            )
            : shipments.map((s, i) => (
              <ShipmentBlock
                t={t}
                locale={locale}
                token={token}
                order={order}
                s={s}
                n={i + 1}
                of={shipments.length}
                now={data.now}
              />
            ))}
        </section>
      )}
      <OrderInformation t={t} locale={locale} order={order} />
      <OrderItems t={t} locale={locale} order={order} />
      <Documents t={t} locale={locale} token={token} order={order} />
      <div class="actions">
        <DownloadAll locale={locale} token={token} order={order} />
        <ReportIssue
          orderNumber={order.order_number}
          postUrl={`/api/portal/customer/${encodeURIComponent(token)}/orders/${
            encodeURIComponent(order.order_number)
          }/report-issue`}
          formUrl={reportHref(token, order.order_number)}
          contactEmail={data.contactEmail}
          locale={locale}
          messages={formMessages(locale)}
        />
      </div>
      {/* "Your reports": this order's support tickets and replies (staff console). */}
      <YourReports locale={locale} tickets={state.reports ?? []} />
      {!cancelled && (
        <ShipmentEmails
          locale={locale}
          token={token}
          email={data.contactEmail}
          {...data.emails}
        />
      )}
    </>
  );
});

/** `text` with its one NUL placeholder replaced by `part` (markup inside a message). */
function Placed({ text, part }: { text: string; part: ComponentChildren }) {
  const [before, after = ""] = text.split("\u0000");
  return (
    <>
      {before}
      {part}
      {after}
    </>
  );
}

function OrderInformation({ t, locale, order }: { t: T; locale: Locale; order: Order }) {
  return (
    <section class="card" aria-labelledby="info-title">
      <h2 id="info-title" class="card__title">{t("info.title")}</h2>
      <dl class="facts">
        <div>
          <dt>{t("info.number")}</dt>
          <dd class="ordno">{order.order_number}</dd>
        </div>
        {order.customer_po && (
          <div>
            <dt>{t("info.po")}</dt>
            <dd>{order.customer_po}</dd>
          </div>
        )}
        <div>
          <dt>{t("info.status")}</dt>
          <dd>
            <StatusBadge t={t} status={order.status} />
          </dd>
        </div>
        <div>
          <dt>{t("info.date")}</dt>
          <dd>{formatDate(locale, order.order_date)}</dd>
        </div>
        {order.status === "cancelled"
          ? order.cancelled_at && (
            <div>
              <dt>{t("info.cancelled")}</dt>
              <dd>{formatDate(locale, order.cancelled_at)}</dd>
            </div>
          )
          : (
            <div>
              <dt>{t("info.expected")}</dt>
              <dd>{formatDate(locale, order.delivery_date)}</dd>
            </div>
          )}
        <div class="facts__wide">
          <dt>{t("info.address")}</dt>
          <dd>{order.delivery_address}</dd>
        </div>
      </dl>
    </section>
  );
}

function ShipmentBlock(
  { t, locale, token, order, s, n, of, now }: {
    t: T;
    locale: Locale;
    token: string;
    order: Order;
    s: Shipment;
    n: number;
    of: number;
    now: string;
  },
) {
  const carrierUrl = trackingUrl(s.carrier, s.tracking_number);
  const at = new Date(now);
  const cancelled = order.status === "cancelled";
  const late = isShipmentLate(s, at, order);
  const outlook = shipmentOutlook(s, at);
  const revised = s.delivery?.revised_estimate;
  return (
    <div class="shipment-block">
      {of > 1 && (
        <div class="shipment-block__head">
          <h3 class="shipment-block__title">
            {t("st.count", { n, m: of })}
            <span class="shipment-block__line">{outlookText(outlook, t, locale, at).line}</span>
          </h3>
          {!cancelled && (
            <ProgressSteps
              t={t}
              step={shipmentStep(s.status)}
              label={t("steps.shipment", { number: s.tracking_number })}
              late={late}
            />
          )}
        </div>
      )}
      <dl class="facts">
        <div>
          <dt>{t("st.carrier")}</dt>
          <dd>{carrierDisplayName(s.carrier, s.carrier_name)}</dd>
        </div>
        <div>
          <dt>{t("st.tracking")}</dt>
          <dd class="tracking-no">
            <span class="tracking-no__number">{s.tracking_number}</span>{" "}
            <TrackingBadge t={t} status={s.status} />
            {late && s.status !== "exception" && (
              <>
                {" "}
                <span class="badge badge--late">{t("st.late")}</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{t("st.shipped")}</dt>
          <dd>
            {t("st.shippedAt", {
              date: formatDate(locale, s.shipped_at),
              time: formatTime(locale, s.shipped_at),
            })}
          </dd>
        </div>
        {outlook.kind === "delivered"
          ? outlook.at && (
            <div>
              <dt>{t("glance.deliveredUndated")}</dt>
              <dd>{formatMoment(locale, outlook.at)}</dd>
            </div>
          )
          : !cancelled && (revised || s.estimated_delivery) && (
            <div>
              <dt>{revised && revised !== s.estimated_delivery ? t("st.newEst") : t("st.est")}</dt>
              <dd class={late ? "late-text" : undefined}>
                {formatDate(locale, revised ?? s.estimated_delivery)}
                {revised && s.estimated_delivery && revised !== s.estimated_delivery && (
                  <span class="muted">
                    {" · "}
                    {t("st.originally", { date: formatDate(locale, s.estimated_delivery) })}
                  </span>
                )}
                {late && <span class="sr-only">{" · " + t("st.late")}</span>}
              </dd>
            </div>
          )}
      </dl>
      <TrackingTimeline
        locale={locale}
        api={trackingApiHref(token, order.order_number)}
        trackingNumber={s.tracking_number}
        shipment={{
          status: s.status,
          // A cancelled order expects no delivery.
          estimated_delivery: cancelled ? null : s.estimated_delivery ?? null,
          // As the tracking API answers it (a refresh drops in): running late now.
          overdue: late,
          delivery: cancelled && s.delivery
            ? { ...s.delivery, revised_estimate: undefined }
            : s.delivery ?? null,
          events: s.events.map((e) => ({
            status: e.status,
            occurred_at: e.occurred_at,
            description: e.description,
            location: e.location ?? null,
            ...(e.time_zone_unknown ? { time_zone_unknown: true } : {}),
          })),
          last_refreshed_at: s.last_refreshed_at ?? null,
          awaiting_first_scan: s.awaiting_first_scan ?? false,
        }}
        now={now}
        labels={{
          title: t("tl.title"),
          done: t("tl.done"),
          current: t("tl.current"),
          expected: t("tl.expected"),
          late: t("tl.late"),
          lateNote: t("tl.lateNote"),
          refresh: t("tl.refresh"),
          refreshing: t("tl.refreshing"),
          updated: t("tl.updated"),
          checked: t("tl.checked"),
          error: t("tl.error"),
          expectedDelivery: t("tl.expectedDelivery"),
          originalDelivery: t("tl.originalDelivery"),
          newDelivery: t("tl.newDelivery"),
          empty: t("tl.empty"),
          awaitingCarrier: t("tl.awaitingCarrier"),
          awaitingScan: t("tl.awaitingScan"),
          facts: t("tl.facts"),
          fact: factLabels(t),
        }}
      />
      {carrierUrl && (
        <p>
          <a class="btn" href={carrierUrl} target="_blank" rel="noopener noreferrer">
            {t("carrier.link", { carrier: carrierBrand(s.carrier) })}{" "}
            <span aria-hidden="true">→</span>
            <span class="sr-only">{" " + t("carrier.newTab")}</span>
          </a>
        </p>
      )}
    </div>
  );
}

function OrderItems({ t, locale, order }: { t: T; locale: Locale; order: Order }) {
  const money = (v: string) => <span class="money">{formatMoney(locale, v, order.currency)}</span>;
  const totals: Array<[string, ComponentChildren, string?]> = [
    [t("items.subtotal"), money(order.subtotal)],
    [t("items.tax"), money(order.tax)],
    [
      t("items.shipping"),
      order.shipping === undefined ? t("items.included") : money(order.shipping),
    ],
    [t("items.grand"), money(order.total), "grand"],
  ];
  return (
    <section class="card" aria-labelledby="items-title">
      <h2 id="items-title" class="card__title">{t("items.title")}</h2>
      <table class="items">
        <thead>
          <tr>
            <th scope="col">{t("items.code")}</th>
            <th scope="col">{t("items.desc")}</th>
            <th scope="col" class="num">{t("items.qty")}</th>
            <th scope="col" class="num">{t("items.unit")}</th>
            <th scope="col" class="num">{t("items.total")}</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((l) => (
            <tr>
              <th scope="row">{l.item_code}</th>
              <td data-label={t("items.desc")}>{l.description}</td>
              <td data-label={t("items.qty")} class="num">
                <span class="nowrap">
                  {withUnit(locale, l.qty_ordered, formatQuantity(locale, l.qty_ordered), l.uom)}
                </span>
              </td>
              <td data-label={t("items.unit")} class="num">
                <span class="money">
                  {formatUnitPrice(locale, l.unit_price, order.currency)}
                </span>
              </td>
              <td data-label={t("items.total")} class="num">{money(l.line_total)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {totals.map(([label, value, cls]) => (
            <tr class={cls}>
              <th scope="row" colSpan={4}>{label}</th>
              <td class="num">{value}</td>
            </tr>
          ))}
        </tfoot>
      </table>
    </section>
  );
}

function Documents(
  { t, locale, token, order }: { t: T; locale: Locale; token: string; order: Order },
) {
  const cancelled = order.status === "cancelled";
  const docs = documentLinks(token, order.order_number, order.invoice_number, order.status)
    .filter((l) => l.id !== "all");
  const voidMark = docT(locale, "mark.invoiceCancelled");
  return (
    <section class="card" aria-labelledby="docs-title">
      <h2 id="docs-title" class="card__title">{t("docs.title")}</h2>
      <ul class="docs">
        {docs.map((d) => {
          const label = docT(locale, d.labelKey, d.labelParams);
          const void_ = cancelled && d.id === "invoice";
          return (
            <li class={void_ ? "doc doc--marked" : "doc"}>
              <span class="doc__name">
                <span>{keepWhole(label, d.labelParams.invoice)}</span>
              </span>
              {/* The invoice's own word (es "Anulada", pl "Anulowana"), as its PDF's stamp. */}
              {void_ && <span class="badge badge--cancelled">{voidMark}</span>}
              <a class="btn btn--ghost" href={d.href} download={d.filename}>
                {docT(locale, "link.download")}
                <span class="sr-only">
                  {" " + label + (void_ ? ` (${voidMark})` : "")}
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** `label` with `number` (an invoice number) on one line: "INV-2026-" never ends a line. */
function keepWhole(label: string, number?: string) {
  const at = number ? label.indexOf(number) : -1;
  if (at < 0) return label;
  return (
    <>
      {label.slice(0, at)}
      <span class="nowrap">{number}</span>
      {label.slice(at + number!.length)}
    </>
  );
}

/** [Download All Documents]: the ZIP of the order's documents, a plain download link. */
function DownloadAll({ locale, token, order }: { locale: Locale; token: string; order: Order }) {
  const all = documentLinks(token, order.order_number, order.invoice_number, order.status)
    .find((l) => l.id === "all");
  return all
    ? (
      <a class="btn" href={all.href} download={all.filename}>
        {docT(locale, "link.all")}
      </a>
    )
    : null;
}
