/**
 * One customer in the staff console: contact facts, the newest orders, and the links: each
 * with its recipient, label, why it exists, who made it, when, its last use and use counts,
 * and a revoke button; the form for a new link (shown once, or emailed).
 */
import type { Locale } from "@/lib/orders/model.ts";
import type { LinkView } from "@/lib/access/tokens.ts";
import { formatDate, formatMoney } from "@/lib/i18n/format.ts";
import type { StaffCustomerView } from "@/lib/staff/links.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { CsrfField, fmtTime, Notice, PageHead, type StaffT } from "./StaffChrome.tsx";

export interface CustomerDetailData {
  view: StaffCustomerView;
  canManage: boolean;
  notice: string | null;
  /** A link just created to be shown: the only time its URL appears. */
  created: { link_id: string; url: string; expires_at: string } | null;
}

const NOTICES = ["sent", "revoked", "revoked_all"] as const;

function creator(t: StaffT, l: LinkView): string {
  const c = l.created_by;
  if (!c) return "—";
  return c.kind === "staff" ? c.email ?? t("creator.staff") : t(`creator.${c.kind}`);
}

function LinkRow(
  { t, locale, l, action, csrf, canManage }: {
    t: StaffT;
    locale: Locale;
    l: LinkView;
    action: string;
    csrf: string;
    canManage: boolean;
  },
) {
  const who = l.recipient_name || l.recipient_email
    ? [l.recipient_name, l.recipient_email].filter(Boolean).join(" · ")
    : t("links.shared");
  return (
    <tr>
      <th scope="row">
        <span class="st-linkwho">{who}</span>
        {l.label && <span class="st-linklabel">{l.label}</span>}
        <code class="st-id">{l.link_id}</code>
      </th>
      <td data-label={t("links.status")}>
        <span class={`st-badge st-badge--link-${l.status}`}>{t(`links.status.${l.status}`)}</span>
      </td>
      <td data-label={t("links.source")}>
        {l.source ? t(`source.${l.source}`) : "—"}
        <span class="st-sub">{creator(t, l)}</span>
      </td>
      <td data-label={t("links.created")}>{fmtTime(locale, l.created_at)}</td>
      <td data-label={t("links.lastUsed")}>
        {l.last_used_at ? fmtTime(locale, l.last_used_at) : t("links.never")}
      </td>
      <td data-label={t("links.uses")}>
        {t("links.counts", { views: l.views, downloads: l.downloads })}
      </td>
      <td data-label={t("links.actions")}>
        {canManage && l.status === "active"
          ? (
            <form method="post" action={`${action}/${l.link_id}/revoke`}>
              <CsrfField token={csrf} />
              <button class="st-btn st-btn--danger" type="submit">
                {t("links.revoke")}
                <span class="sr-only">{" " + who}</span>
              </button>
            </form>
          )
          : l.revoked_at
          ? fmtTime(locale, l.revoked_at)
          : "—"}
      </td>
    </tr>
  );
}

export function CustomerDetail(
  { data, locale, csrf }: { data: CustomerDetailData; locale: Locale; csrf: string },
) {
  const t = staffMessages.bind(locale);
  const { customer, orders, links } = data.view;
  const action = `/staff/customers/${encodeURIComponent(customer.ref)}/links`;
  const notice = (NOTICES as readonly string[]).includes(data.notice ?? "")
    ? t(`customer.notice.${data.notice as typeof NOTICES[number]}`)
    : null;
  const active = links.filter((l) => l.status === "active");
  const ended = links.filter((l) => l.status !== "active");
  return (
    <>
      <PageHead title={customer.name} />
      <Notice text={notice} />
      <p>
        <a class="st-back" href="/staff/customers">{t("customer.back")}</a>
      </p>
      {data.created && (
        <section class="st-card st-card--created" aria-labelledby="created-h" tabIndex={-1}>
          <h2 id="created-h">{t("created.title")}</h2>
          <p>{t("created.once")}</p>
          <p>
            <label for="created-url" class="st-label">{t("created.url")}</label>
            <input id="created-url" class="st-copy" readOnly value={data.created.url} />
          </p>
          <p class="st-hint">
            {t("created.expires", { date: fmtTime(locale, data.created.expires_at) })}
          </p>
        </section>
      )}
      <section class="st-card" aria-labelledby="facts-h">
        <h2 id="facts-h">{t("customer.facts")}</h2>
        <dl class="st-facts">
          <div>
            <dt>{t("customers.ref")}</dt>
            <dd>{customer.ref}</dd>
          </div>
          <div>
            <dt>{t("customers.email")}</dt>
            <dd>{customer.email}</dd>
          </div>
          {customer.phone && (
            <div>
              <dt>{t("customer.phone")}</dt>
              <dd>{customer.phone}</dd>
            </div>
          )}
          <div>
            <dt>{t("ticket.language")}</dt>
            <dd>{customer.locale.toUpperCase()}</dd>
          </div>
          <div>
            <dt>{t("customers.lastVisit")}</dt>
            <dd>{fmtTime(locale, customer.last_visit_at)}</dd>
          </div>
        </dl>
      </section>
      <section class="st-card" id="links" tabIndex={-1} aria-labelledby="links-h">
        <h2 id="links-h">{t("links.title")}</h2>
        <p class="st-hint">{t("links.intro")}</p>
        {links.length === 0 ? <p class="st-muted">{t("links.none")}</p> : (
          <div class="st-tablewrap">
            <table class="st-table st-table--links">
              <caption class="sr-only">{t("links.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("links.recipient")}</th>
                  <th scope="col">{t("links.status")}</th>
                  <th scope="col">{t("links.source")}</th>
                  <th scope="col">{t("links.created")}</th>
                  <th scope="col">{t("links.lastUsed")}</th>
                  <th scope="col">{t("links.uses")}</th>
                  <th scope="col">{t("links.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {[...active, ...ended].map((l) => (
                  <LinkRow
                    t={t}
                    locale={locale}
                    l={l}
                    action={action}
                    csrf={csrf}
                    canManage={data.canManage}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.canManage && (
          <div class="st-grid">
            <form method="post" action={action} class="st-form">
              <h3>{t("links.new")}</h3>
              <CsrfField token={csrf} />
              <div class="st-field">
                <label for="l-name">{t("links.recipientName")}</label>
                <input id="l-name" name="recipient_name" maxLength={200} autocomplete="off" />
              </div>
              <div class="st-field">
                <label for="l-email">{t("links.recipientEmail")}</label>
                <input
                  id="l-email"
                  name="recipient_email"
                  type="email"
                  maxLength={254}
                  autocomplete="off"
                />
              </div>
              <div class="st-field">
                <label for="l-label">{t("links.label")}</label>
                <input id="l-label" name="label" maxLength={100} autocomplete="off" />
              </div>
              <fieldset class="st-field">
                <legend>{t("links.delivery")}</legend>
                <label class="st-choice">
                  <input type="radio" name="delivery" value="email" checked />
                  {t("links.deliveryEmail", { email: customer.email })}
                </label>
                <label class="st-choice">
                  <input type="radio" name="delivery" value="show" />
                  {t("links.deliveryShow")}
                </label>
              </fieldset>
              <p class="st-hint">{t("links.sharedHint")}</p>
              <button class="st-btn" type="submit">{t("links.create")}</button>
            </form>
            {active.length > 0 && (
              <form method="post" action={`${action}/revoke-all`} class="st-form">
                <h3>{t("links.revokeAllTitle")}</h3>
                <CsrfField token={csrf} />
                <p>{t("links.revokeAllHint", { count: active.length })}</p>
                <button class="st-btn st-btn--danger" type="submit">{t("links.revokeAll")}</button>
              </form>
            )}
          </div>
        )}
      </section>
      <section class="st-card" aria-labelledby="orders-h">
        <h2 id="orders-h">{t("customer.orders")}</h2>
        {orders.length === 0
          ? <p class="st-muted">{t("customer.noOrders")}</p>
          : (
            <div class="st-tablewrap">
              <table class="st-table">
                <thead>
                  <tr>
                    <th scope="col">{t("tickets.order")}</th>
                    <th scope="col">{t("customer.orderDate")}</th>
                    <th scope="col">{t("tickets.status")}</th>
                    <th scope="col" class="st-num">{t("customer.total")}</th>
                  </tr>
                </thead>
                <tbody>
                  {orders.map((o) => (
                    <tr>
                      <th scope="row">{o.order_number}</th>
                      <td data-label={t("customer.orderDate")}>
                        {formatDate(locale, o.order_date)}
                      </td>
                      <td data-label={t("tickets.status")}>{t(`order.${o.status}`)}</td>
                      <td data-label={t("customer.total")} class="st-num">
                        {formatMoney(locale, o.total, o.currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        {data.view.more_orders && <p class="st-hint">{t("customer.moreOrders")}</p>}
      </section>
    </>
  );
}
