import { Header } from "@/components/Header.tsx";
import type { PageProps } from "@/lib/framework/types.ts";
import { pageMessages } from "@/lib/pages/messages.ts";
import { siteMessages } from "@/lib/pages/site_messages.ts";

export default function NotFound({ state, url }: PageProps) {
  const t = siteMessages.bind(state.locale);
  return (
    <>
      <Header t={pageMessages.bind(state.locale)} locale={state.locale} url={url} />
      <main id="main" class="page state-page" tabIndex={-1}>
        <h1>{t("notFound.title")}</h1>
        <p>{t("notFound.body")}</p>
        <p>
          <a href="/">{t("notFound.home")}</a>
        </p>
      </main>
    </>
  );
}
