/** `GET /staff/audit?cursor=` (admins): every staff action: who, what, when, from where. */
import { page } from "fresh";
import { fmtTime, PageHead, Pager } from "@/components/staff/StaffChrome.tsx";
import { auditForStaff, type AuditPage } from "@/lib/staff/audit.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const cursor = ctx.url.searchParams.get("cursor")?.slice(0, 2000) || undefined;
    const result = await auditForStaff(ctx.state.services.kv, ctx.state.staff.actor, {
      cursor,
      limit: 50,
    });
    ctx.state.title = staffMessages.t(ctx.state.locale, "audit.title");
    return page<AuditPage>(result);
  },
});

export default staffDefine.page<typeof handler>(function Audit({ data, state, url }) {
  const t = staffMessages.bind(state.locale);
  return (
    <>
      <PageHead title={t("audit.title")} />
      <p class="st-hint">{t("audit.intro")}</p>
      {data.entries.length === 0
        ? <p class="st-empty">{t("audit.none")}</p>
        : (
          <div class="st-tablewrap">
            <table class="st-table">
              <caption class="sr-only">{t("audit.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("audit.when")}</th>
                  <th scope="col">{t("audit.who")}</th>
                  <th scope="col">{t("audit.what")}</th>
                  <th scope="col">{t("audit.from")}</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr>
                    <th scope="row">
                      <time dateTime={e.at}>{fmtTime(state.locale, e.at)}</time>
                    </th>
                    <td data-label={t("audit.who")} class="st-break">
                      {e.actor.email ?? t(`via.${e.actor.via}`)}
                      <span class="st-sub">
                        {[e.actor.role ? t(`role.${e.actor.role}`) : null, t(`via.${e.actor.via}`)]
                          .filter(Boolean).join(" · ")}
                      </span>
                    </td>
                    <td data-label={t("audit.what")} class="st-break">
                      <code>{e.action}</code>
                      {e.target && <span class="st-sub">{e.target.type}: {e.target.id}</span>}
                      {e.detail && (
                        <span class="st-sub">
                          {Object.entries(e.detail).map(([k, v]) => `${k}=${v}`).join(", ")}
                        </span>
                      )}
                    </td>
                    <td data-label={t("audit.from")} class="st-break">
                      {e.ip ?? "—"}
                      {e.user_agent && <span class="st-sub">{e.user_agent.slice(0, 80)}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <Pager t={t} url={url} cursor={data.next_cursor} />
    </>
  );
});
