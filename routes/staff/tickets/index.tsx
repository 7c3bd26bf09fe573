/**
 * `GET /staff/tickets?status=&type=&order=&customer=&cursor=`: the org's tickets, newest
 * first, filtered, with the count per status; each row opens the ticket.
 */
import { page } from "fresh";
import { fmtTime, PageHead, Pager, StatusBadge } from "@/components/staff/StaffChrome.tsx";
import { ISSUE_TYPES } from "@/lib/issues/rules.ts";
import { TICKET_STATUSES } from "@/lib/issues/workflow.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import {
  listTicketsForStaff,
  type TicketFilters,
  type TicketListPage,
} from "@/lib/staff/tickets.ts";
import { TicketFilters as Filters } from "@/lib/staff/tickets.ts";
import { staffDefine } from "@/lib/state.ts";

interface Data {
  filters: TicketFilters;
  page: TicketListPage;
}

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const filters = Filters.parse(Object.fromEntries(ctx.url.searchParams));
    const result = await listTicketsForStaff(ctx.state.services, ctx.state.staff.actor, filters);
    ctx.state.title = staffMessages.t(ctx.state.locale, "tickets.title");
    return page<Data>({ filters, page: result });
  },
});

export default staffDefine.page<typeof handler>(function Tickets({ data, state, url }) {
  const t = staffMessages.bind(state.locale);
  const { filters, page: p } = data;
  const total = TICKET_STATUSES.reduce((n, s) => n + p.counts[s], 0);
  const statusHref = (status?: string) => {
    const q = new URLSearchParams(url.search);
    q.delete("cursor");
    if (status) q.set("status", status);
    else q.delete("status");
    return `/staff/tickets${q.size ? `?${q}` : ""}`;
  };
  return (
    <>
      <PageHead title={t("tickets.title")} />
      <nav class="st-tabs" aria-label={t("tickets.byStatus")}>
        <ul>
          <li>
            <a href={statusHref()} aria-current={!filters.status ? "page" : undefined}>
              {t("tickets.all")} <span class="st-count">{total}</span>
            </a>
          </li>
          {TICKET_STATUSES.map((s) => (
            <li>
              <a href={statusHref(s)} aria-current={filters.status === s ? "page" : undefined}>
                {t(`status.${s}`)} <span class="st-count">{p.counts[s]}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form method="get" action="/staff/tickets" class="st-filters" role="search">
        {filters.status && <input type="hidden" name="status" value={filters.status} />}
        <div class="st-field">
          <label for="f-type">{t("tickets.type")}</label>
          <select id="f-type" name="type">
            <option value="">{t("filter.any")}</option>
            {ISSUE_TYPES.map((ty) => (
              <option value={ty} selected={filters.type === ty}>{t(`type.${ty}`)}</option>
            ))}
          </select>
        </div>
        <div class="st-field">
          <label for="f-order">{t("tickets.order")}</label>
          <input id="f-order" name="order" value={filters.order ?? ""} maxLength={64} />
        </div>
        <div class="st-field">
          <label for="f-customer">{t("tickets.customer")}</label>
          <input id="f-customer" name="customer" value={filters.customer ?? ""} maxLength={200} />
        </div>
        <button class="st-btn" type="submit">{t("filter.apply")}</button>
      </form>
      {p.tickets.length === 0
        ? <p class="st-empty">{t("tickets.none")}</p>
        : (
          <div class="st-tablewrap">
            <table class="st-table">
              <caption class="sr-only">{t("tickets.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("tickets.number")}</th>
                  <th scope="col">{t("tickets.status")}</th>
                  <th scope="col">{t("tickets.type")}</th>
                  <th scope="col">{t("tickets.customer")}</th>
                  <th scope="col">{t("tickets.order")}</th>
                  <th scope="col">{t("tickets.assignee")}</th>
                  <th scope="col">{t("tickets.created")}</th>
                </tr>
              </thead>
              <tbody>
                {p.tickets.map((tk) => (
                  <tr>
                    <th scope="row">
                      <a href={`/staff/tickets/${tk.ticket_number}`}>{tk.ticket_number}</a>
                    </th>
                    <td data-label={t("tickets.status")}>
                      <StatusBadge t={t} status={tk.status} />
                    </td>
                    <td data-label={t("tickets.type")}>{t(`type.${tk.issue_type}`)}</td>
                    <td data-label={t("tickets.customer")}>
                      <a href={`/staff/customers/${encodeURIComponent(tk.customer_ref)}`}>
                        {tk.customer_name}
                      </a>
                    </td>
                    <td data-label={t("tickets.order")}>{tk.order_number}</td>
                    <td data-label={t("tickets.assignee")}>{tk.assignee ?? t("tickets.nobody")}</td>
                    <td data-label={t("tickets.created")}>
                      {fmtTime(state.locale, tk.created_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <Pager t={t} url={url} cursor={p.next_cursor} />
    </>
  );
});
