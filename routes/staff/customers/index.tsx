/** `GET /staff/customers?q=`: search the org's customers by reference, name, email or order. */
import { page } from "fresh";
import { fmtTime, PageHead } from "@/components/staff/StaffChrome.tsx";
import type { Customer } from "@/lib/orders/model.ts";
import { searchCustomers } from "@/lib/orders/customers.ts";
import { requirePermission } from "@/lib/staff/roles.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { staffDefine } from "@/lib/state.ts";

interface Data {
  q: string;
  customers: Customer[];
  truncated: boolean;
}

export const handler = staffDefine.handlers({
  async GET(ctx) {
    requirePermission(ctx.state.staff.actor, "console.view");
    const q = (ctx.url.searchParams.get("q") ?? "").trim().slice(0, 200);
    const found = await searchCustomers(ctx.state.services.kv, ctx.state.staff.actor.org, {
      query: q,
      limit: 50,
    });
    ctx.state.title = staffMessages.t(ctx.state.locale, "customers.title");
    return page<Data>({ q, ...found });
  },
});

export default staffDefine.page<typeof handler>(function Customers({ data, state }) {
  const t = staffMessages.bind(state.locale);
  return (
    <>
      <PageHead title={t("customers.title")} />
      <form method="get" action="/staff/customers" class="st-filters" role="search">
        <div class="st-field st-field--grow">
          <label for="c-q">{t("customers.search")}</label>
          <input
            id="c-q"
            name="q"
            type="search"
            value={data.q}
            maxLength={200}
            aria-describedby="c-q-hint"
          />
          <p id="c-q-hint" class="st-hint">{t("customers.searchHint")}</p>
        </div>
        <button class="st-btn" type="submit">{t("customers.find")}</button>
      </form>
      {data.customers.length === 0
        ? <p class="st-empty">{t("customers.none")}</p>
        : (
          <div class="st-tablewrap">
            <table class="st-table">
              <caption class="sr-only">{t("customers.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("customers.name")}</th>
                  <th scope="col">{t("customers.ref")}</th>
                  <th scope="col">{t("customers.email")}</th>
                  <th scope="col">{t("customers.lastVisit")}</th>
                </tr>
              </thead>
              <tbody>
                {data.customers.map((c) => (
                  <tr>
                    <th scope="row">
                      <a href={`/staff/customers/${encodeURIComponent(c.ref)}`}>{c.name}</a>
                    </th>
                    <td data-label={t("customers.ref")}>{c.ref}</td>
                    <td data-label={t("customers.email")}>{c.email}</td>
                    <td data-label={t("customers.lastVisit")}>
                      {fmtTime(state.locale, c.last_visit_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {data.truncated && <p class="st-hint">{t("customers.truncated")}</p>}
    </>
  );
});
