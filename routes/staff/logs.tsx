/**
 * `GET /staff/logs?carrier=&outcome=&order=&tracking=&from=&to=&cursor=` (INT-003): the
 * integration logs, newest first, filtered, 50 a page.
 */
import { page } from "fresh";
import { fmtTime, PageHead, Pager } from "@/components/staff/StaffChrome.tsx";
import { CARRIERS } from "@/lib/orders/model.ts";
import { LogFilters, logsForStaff } from "@/lib/staff/operations.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import type { LogPage } from "@/lib/tracking/integration_log.ts";
import { staffDefine } from "@/lib/state.ts";

interface Data {
  filters: LogFilters;
  page: LogPage;
}

const OUTCOMES = ["ok", "error", "not_found", "partial", "failed", "skipped"] as const;

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const filters = LogFilters.parse(Object.fromEntries(ctx.url.searchParams));
    const result = await logsForStaff(ctx.state.services, ctx.state.staff.actor, filters);
    ctx.state.title = staffMessages.t(ctx.state.locale, "logs.title");
    return page<Data>({ filters, page: result });
  },
});

export default staffDefine.page<typeof handler>(function Logs({ data, state, url }) {
  const t = staffMessages.bind(state.locale);
  const f = data.filters;
  return (
    <>
      <PageHead title={t("logs.title")} />
      <form method="get" action="/staff/logs" class="st-filters" role="search">
        <div class="st-field">
          <label for="l-carrier">{t("int.carrier")}</label>
          <select id="l-carrier" name="carrier">
            <option value="">{t("filter.any")}</option>
            {CARRIERS.map((c) => (
              <option value={c} selected={f.carrier === c}>{t(`carrier.${c}`)}</option>
            ))}
          </select>
        </div>
        <div class="st-field">
          <label for="l-outcome">{t("logs.outcome")}</label>
          <select id="l-outcome" name="outcome">
            <option value="">{t("filter.any")}</option>
            {OUTCOMES.map((o) => (
              <option value={o} selected={f.outcome === o}>{t(`outcome.${o}`)}</option>
            ))}
          </select>
        </div>
        <div class="st-field">
          <label for="l-order">{t("tickets.order")}</label>
          <input id="l-order" name="order" value={f.order ?? ""} maxLength={64} />
        </div>
        <div class="st-field">
          <label for="l-tracking">{t("logs.tracking")}</label>
          <input id="l-tracking" name="tracking" value={f.tracking ?? ""} maxLength={64} />
        </div>
        <div class="st-field">
          <label for="l-from">{t("logs.from")}</label>
          <input id="l-from" name="from" type="date" value={f.from ?? ""} />
        </div>
        <div class="st-field">
          <label for="l-to">{t("logs.to")}</label>
          <input id="l-to" name="to" type="date" value={f.to ?? ""} />
        </div>
        <button class="st-btn" type="submit">{t("filter.apply")}</button>
      </form>
      {data.page.logs.length === 0
        ? <p class="st-empty">{t("logs.none")}</p>
        : (
          <div class="st-tablewrap">
            <table class="st-table">
              <caption class="sr-only">{t("logs.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("logs.at")}</th>
                  <th scope="col">{t("logs.kind")}</th>
                  <th scope="col">{t("int.carrier")}</th>
                  <th scope="col">{t("logs.outcome")}</th>
                  <th scope="col">{t("logs.tracking")}</th>
                  <th scope="col">{t("logs.detail")}</th>
                </tr>
              </thead>
              <tbody>
                {data.page.logs.map((l) => (
                  <tr>
                    <th scope="row">
                      <time dateTime={l.at}>{fmtTime(state.locale, l.at)}</time>
                    </th>
                    <td data-label={t("logs.kind")}>{t(`kind.${l.kind}`)}</td>
                    <td data-label={t("int.carrier")}>{t(`carrier.${l.carrier}`)}</td>
                    <td data-label={t("logs.outcome")}>
                      <span
                        class={`st-badge st-badge--outcome-${l.outcome === "ok" ? "ok" : "other"}`}
                      >
                        {l.outcome}
                      </span>
                      {l.http_status !== undefined && (
                        <span class="st-sub">HTTP {l.http_status}</span>
                      )}
                    </td>
                    <td data-label={t("logs.tracking")} class="st-break">
                      {l.tracking_numbers.join(", ")}
                      {l.order_number && <span class="st-sub">{l.order_number}</span>}
                    </td>
                    <td data-label={t("logs.detail")} class="st-break">
                      {[
                        l.detail,
                        l.latency_ms !== undefined ? `${l.latency_ms} ms` : null,
                        l.transaction_id,
                      ].filter(Boolean).join(" · ") || "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <Pager t={t} url={url} cursor={data.page.next_cursor} />
    </>
  );
});
