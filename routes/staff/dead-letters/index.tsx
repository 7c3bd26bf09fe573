/** `GET /staff/dead-letters?cursor=`: the org's failed queue messages, newest first. */
import { page } from "fresh";
import { fmtTime, PageHead, Pager } from "@/components/staff/StaffChrome.tsx";
import type { DeadLetterPage } from "@/lib/queue/dead_letters.ts";
import { deadLettersForStaff } from "@/lib/staff/operations.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { staffDefine } from "@/lib/state.ts";
import { summaryOf } from "@/components/staff/DeadLetter.tsx";

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const cursor = ctx.url.searchParams.get("cursor")?.slice(0, 2000) || undefined;
    const result = await deadLettersForStaff(ctx.state.services, ctx.state.staff.actor, cursor);
    ctx.state.title = staffMessages.t(ctx.state.locale, "dl.title");
    return page<DeadLetterPage>(result);
  },
});

export default staffDefine.page<typeof handler>(function DeadLetters({ data, state, url }) {
  const t = staffMessages.bind(state.locale);
  return (
    <>
      <PageHead title={t("dl.title")} />
      <p class="st-hint">{t("dl.intro")}</p>
      {data.dead_letters.length === 0
        ? <p class="st-empty">{t("dl.none")}</p>
        : (
          <div class="st-tablewrap">
            <table class="st-table">
              <caption class="sr-only">{t("dl.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("dl.failed")}</th>
                  <th scope="col">{t("dl.what")}</th>
                  <th scope="col">{t("dl.error")}</th>
                  <th scope="col">{t("dl.state")}</th>
                </tr>
              </thead>
              <tbody>
                {data.dead_letters.map((d) => (
                  <tr>
                    <th scope="row">
                      <a href={`/staff/dead-letters/${d.id}`}>
                        {d.failed_at ? fmtTime(state.locale, d.failed_at) : t("dl.unknownTime")}
                      </a>
                    </th>
                    <td data-label={t("dl.what")} class="st-break">{summaryOf(t, d)}</td>
                    <td data-label={t("dl.error")} class="st-break">{d.error.slice(0, 160)}</td>
                    <td data-label={t("dl.state")}>
                      {d.resent ? t("dl.resent") : d.resendable ? t("dl.resendable") : t("dl.kept")}
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
