/**
 * `GET /staff/integrations` (INT-001): per carrier whether it is configured, its mode, the
 * last good poll, errors in 24 h, the circuit and the shipments it tracks; and email
 * delivery (queued, sent, waiting, dead letters).
 */
import { page } from "fresh";
import { fmtTime, PageHead } from "@/components/staff/StaffChrome.tsx";
import { integrationsForStaff, type IntegrationsView } from "@/lib/staff/operations.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const view = await integrationsForStaff(ctx.state.services, ctx.state.staff.actor);
    ctx.state.title = staffMessages.t(ctx.state.locale, "int.title");
    return page<IntegrationsView>(view);
  },
});

export default staffDefine.page<typeof handler>(function Integrations({ data, state }) {
  const t = staffMessages.bind(state.locale);
  // The admin API's `note` is English; the console says the same in the member's language.
  const note = (c: (typeof data.carriers)[number]) =>
    !c.configured
      ? c.mode === "sandbox"
        ? t("int.noteSandbox")
        : t("int.noteNoCredentials", { env: c.carrier.toUpperCase() })
      : c.circuit === "open"
      ? t("int.noteCircuit")
      : null;
  const { email } = data;
  return (
    <>
      <PageHead title={t("int.title")} />
      <section class="st-card" aria-labelledby="carriers-h">
        <h2 id="carriers-h">{t("int.carriers")}</h2>
        <div class="st-tablewrap">
          <table class="st-table">
            <thead>
              <tr>
                <th scope="col">{t("int.carrier")}</th>
                <th scope="col">{t("int.configured")}</th>
                <th scope="col">{t("int.mode")}</th>
                <th scope="col">{t("int.lastPoll")}</th>
                <th scope="col" class="st-num">{t("int.errors")}</th>
                <th scope="col">{t("int.circuit")}</th>
                <th scope="col" class="st-num">{t("int.tracked")}</th>
              </tr>
            </thead>
            <tbody>
              {data.carriers.map((c) => (
                <tr>
                  <th scope="row">
                    {t(`carrier.${c.carrier}`)}
                    {note(c) && <span class="st-sub">{note(c)}</span>}
                  </th>
                  <td data-label={t("int.configured")}>{c.configured ? t("yes") : t("no")}</td>
                  <td data-label={t("int.mode")}>{t(`mode.${c.mode}`)}</td>
                  <td data-label={t("int.lastPoll")}>
                    {c.last_successful_poll
                      ? fmtTime(state.locale, c.last_successful_poll)
                      : t("int.never")}
                  </td>
                  <td data-label={t("int.errors")} class="st-num">
                    {c.errors_24h > 0
                      ? (
                        <a href={`/staff/logs?carrier=${c.carrier}&outcome=error`}>
                          {c.errors_24h}
                        </a>
                      )
                      : 0}
                  </td>
                  <td data-label={t("int.circuit")}>
                    <span class={`st-badge st-badge--circuit-${c.circuit}`}>
                      {t(`circuit.${c.circuit}`)}
                    </span>
                  </td>
                  <td data-label={t("int.tracked")} class="st-num">{c.shipments_tracked}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="st-card" aria-labelledby="email-h">
        <h2 id="email-h">{t("int.email")}</h2>
        <dl class="st-stats">
          <div>
            <dt>{t("int.queued")}</dt>
            <dd>{email.queued}</dd>
          </div>
          <div>
            <dt>{t("int.sent")}</dt>
            <dd>{email.sent}</dd>
          </div>
          <div>
            <dt>{t("int.waiting")}</dt>
            <dd>{email.waiting}</dd>
          </div>
          <div>
            <dt>{t("int.dead")}</dt>
            <dd>
              <a href="/staff/dead-letters">{email.dead_letters}</a>
            </dd>
          </div>
        </dl>
        <p class="st-hint">
          {t("int.lastSent", {
            date: email.last_sent_at ? fmtTime(state.locale, email.last_sent_at) : t("int.never"),
          })}
        </p>
      </section>
    </>
  );
});
