/**
 * `GET /staff/team` (admins): the org's staff with their roles, the invitation form, and the
 * allowed domain. Its forms post to `/staff/team/{invite,role,remove,domain}`.
 */
import { page } from "fresh";
import { CsrfField, fmtTime, Notice, PageHead } from "@/components/staff/StaffChrome.tsx";
import { type AllowedDomain, type StaffMember } from "@/lib/staff/members.ts";
import { teamForStaff } from "@/lib/staff/team.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { STAFF_ROLES } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

interface Data {
  members: StaffMember[];
  domain: AllowedDomain | null;
  notice: string | null;
}

const NOTICES = ["invited", "role", "removed", "domain"] as const;

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const team = await teamForStaff(ctx.state.services, ctx.state.staff.actor);
    ctx.state.title = staffMessages.t(ctx.state.locale, "team.title");
    return page<Data>({ ...team, notice: ctx.url.searchParams.get("notice") });
  },
});

export default staffDefine.page<typeof handler>(function Team({ data, state }) {
  const t = staffMessages.bind(state.locale);
  const csrf = state.staff.csrfToken;
  const me = state.staff.actor.email;
  const notice = (NOTICES as readonly string[]).includes(data.notice ?? "")
    ? t(`team.notice.${data.notice as typeof NOTICES[number]}`)
    : null;
  return (
    <>
      <PageHead title={t("team.title")} />
      <Notice text={notice} />
      <section class="st-card" aria-labelledby="members-h">
        <h2 id="members-h">{t("team.members")}</h2>
        <div class="st-tablewrap">
          <table class="st-table">
            <thead>
              <tr>
                <th scope="col">{t("team.member")}</th>
                <th scope="col">{t("team.role")}</th>
                <th scope="col">{t("team.state")}</th>
                <th scope="col">{t("team.lastSignIn")}</th>
                <th scope="col">{t("links.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr>
                  <th scope="row" class="st-break">
                    {m.name ?? m.email}
                    {m.name && <span class="st-sub">{m.email}</span>}
                  </th>
                  <td data-label={t("team.role")}>
                    {m.email === me
                      ? t(`role.${m.role}`)
                      : (
                        <form method="post" action="/staff/team/role" class="st-form--inline">
                          <CsrfField token={csrf} />
                          <input type="hidden" name="email" value={m.email} />
                          <label class="sr-only" for={`role-${m.email}`}>
                            {t("team.roleOf", { email: m.email })}
                          </label>
                          <select id={`role-${m.email}`} name="role">
                            {STAFF_ROLES.map((r) => (
                              <option value={r} selected={m.role === r}>{t(`role.${r}`)}</option>
                            ))}
                          </select>
                          <button class="st-btn st-btn--ghost" type="submit">
                            {t("team.save")}
                          </button>
                        </form>
                      )}
                  </td>
                  <td data-label={t("team.state")}>
                    {t(`member.${m.status}`)}
                    <span class="st-sub">{t(`joined.${m.via}`)}</span>
                  </td>
                  <td data-label={t("team.lastSignIn")}>
                    {fmtTime(state.locale, m.last_sign_in_at)}
                  </td>
                  <td data-label={t("links.actions")}>
                    {m.email === me
                      ? <span class="st-muted">{t("team.you")}</span>
                      : (
                        <form method="post" action="/staff/team/remove">
                          <CsrfField token={csrf} />
                          <input type="hidden" name="email" value={m.email} />
                          <button class="st-btn st-btn--danger" type="submit">
                            {t("team.remove")}
                            <span class="sr-only">{" " + m.email}</span>
                          </button>
                        </form>
                      )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div class="st-grid">
        <form method="post" action="/staff/team/invite" class="st-card st-form">
          <h2>{t("team.invite")}</h2>
          <CsrfField token={csrf} />
          <div class="st-field">
            <label for="i-email">{t("customers.email")}</label>
            <input
              id="i-email"
              name="email"
              type="email"
              required
              maxLength={254}
              autocomplete="off"
            />
          </div>
          <div class="st-field">
            <label for="i-role">{t("team.role")}</label>
            <select id="i-role" name="role">
              {STAFF_ROLES.map((r) => (
                <option value={r} selected={r === "support"}>{t(`role.${r}`)}</option>
              ))}
            </select>
          </div>
          <p class="st-hint">{t("team.inviteHint")}</p>
          <button class="st-btn" type="submit">{t("team.inviteButton")}</button>
        </form>
        <form method="post" action="/staff/team/domain" class="st-card st-form">
          <h2>{t("team.domain")}</h2>
          <CsrfField token={csrf} />
          <p>
            {data.domain
              ? t("team.domainOn", {
                domain: data.domain.domain,
                role: t(`role.${data.domain.role}`),
              })
              : t("team.domainOff")}
          </p>
          <div class="st-field">
            <label for="d-domain">{t("team.domainName")}</label>
            <input
              id="d-domain"
              name="domain"
              value={data.domain?.domain ?? ""}
              maxLength={253}
              aria-describedby="d-hint"
            />
            <p id="d-hint" class="st-hint">{t("team.domainHint")}</p>
          </div>
          <div class="st-field">
            <label for="d-role">{t("team.domainRole")}</label>
            <select id="d-role" name="role">
              {STAFF_ROLES.map((r) => (
                <option value={r} selected={(data.domain?.role ?? "viewer") === r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <button class="st-btn" type="submit">{t("team.saveDomain")}</button>
        </form>
      </div>
    </>
  );
});
