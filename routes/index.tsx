import { page } from "fresh";
import { Header } from "@/components/Header.tsx";
import { pageMessages } from "@/lib/pages/messages.ts";
import { siteMessages } from "@/lib/pages/site_messages.ts";
import { define } from "@/lib/state.ts";

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = siteMessages.t(ctx.state.locale, "landing.title");
    return page();
  },
});

/** Landing page for visitors without a link: where to find one. */
export default define.page<typeof handler>(function Landing({ state, url }) {
  const t = siteMessages.bind(state.locale);
  return (
    <>
      <Header t={pageMessages.bind(state.locale)} locale={state.locale} url={url} />
      <main id="main" class="page landing" tabIndex={-1}>
        <h1>{t("landing.title")}</h1>
        <p>{t("landing.lead")}</p>
        <p>{t("landing.how")}</p>
        <p>{t("landing.lost")}</p>
      </main>
    </>
  );
});
