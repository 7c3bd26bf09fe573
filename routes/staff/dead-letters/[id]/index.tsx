/**
 * `GET /staff/dead-letters/{id}`: one failed message: what it was (an email's recipients and
 * subject, never its body), why it failed, when, and the re-send button (support, admin).
 */
import { page } from "fresh";
import { CsrfField, fmtTime, Notice, PageHead } from "@/components/staff/StaffChrome.tsx";
import { summaryOf } from "@/components/staff/DeadLetter.tsx";
import { deadLetterForStaff } from "@/lib/staff/operations.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { can } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

type Letter = Awaited<ReturnType<typeof deadLetterForStaff>>;

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const { services, staff } = ctx.state;
    const letter = await deadLetterForStaff(services, staff.actor, ctx.params.id);
    ctx.state.title = staffMessages.t(ctx.state.locale, "dl.one");
    return page<{ letter: Letter; canResend: boolean; resent: boolean }>({
      letter,
      canResend: can(staff.actor.role, "emails.resend"),
      resent: ctx.url.searchParams.get("notice") === "resent",
    });
  },
});

export default staffDefine.page<typeof handler>(function DeadLetterPage({ data, state }) {
  const t = staffMessages.bind(state.locale);
  const d = data.letter;
  return (
    <>
      <PageHead title={t("dl.one")} />
      <Notice text={data.resent ? t("dl.notice.resent") : null} />
      <p>
        <a class="st-back" href="/staff/dead-letters">{t("dl.back")}</a>
      </p>
      <section class="st-card">
        <dl class="st-facts">
          <div>
            <dt>{t("dl.what")}</dt>
            <dd class="st-break">{summaryOf(t, d)}</dd>
          </div>
          <div>
            <dt>{t("dl.type")}</dt>
            <dd>
              <code>{d.type}</code>
            </dd>
          </div>
          <div>
            <dt>{t("dl.failed")}</dt>
            <dd>{d.failed_at ? fmtTime(state.locale, d.failed_at) : t("dl.unknownTime")}</dd>
          </div>
          <div>
            <dt>{t("dl.attempts")}</dt>
            <dd>{d.attempt}</dd>
          </div>
          <div>
            <dt>{t("dl.expires")}</dt>
            <dd>{fmtTime(state.locale, d.expires_at)}</dd>
          </div>
          {d.resent && (
            <div>
              <dt>{t("dl.resent")}</dt>
              <dd>{fmtTime(state.locale, d.resent.at)} · {d.resent.by}</dd>
            </div>
          )}
        </dl>
        <h2>{t("dl.error")}</h2>
        <p class="st-pre st-break">{d.error}</p>
        <h2 id="dl-payload">{t("dl.payload")}</h2>
        {/* Focusable: a long line scrolls sideways, and a keyboard must reach it too. */}
        <pre class="st-code" tabIndex={0} role="region" aria-labelledby="dl-payload">
          {JSON.stringify(d.payload, null, 2)}
        </pre>
        {data.canResend && d.resendable && (
          <form method="post" action={`/staff/dead-letters/${d.id}/resend`} class="st-form">
            <CsrfField token={state.staff.csrfToken} />
            <p class="st-hint">{t("dl.resendHint")}</p>
            <button class="st-btn" type="submit">{t("dl.resend")}</button>
          </form>
        )}
        {!d.resendable && !d.resent && <p class="st-muted">{t("dl.notResendable")}</p>}
      </section>
    </>
  );
});
