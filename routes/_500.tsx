import { Header } from "@/components/Header.tsx";
import type { PageProps } from "@/lib/framework/types.ts";
import { pageMessages } from "@/lib/pages/messages.ts";
import { siteMessages } from "@/lib/pages/site_messages.ts";

/** Error page for any status other than 404; shows the client-safe message it is given. */
export default function ErrorPage(
  { data, state, url }: PageProps<{ status: number; message: string }>,
) {
  const t = siteMessages.bind(state.locale);
  return (
    <>
      <Header t={pageMessages.bind(state.locale)} locale={state.locale} url={url} />
      <main id="main" class="page state-page" tabIndex={-1}>
        <h1>{data.status >= 500 ? t("error.title") : data.message}</h1>
        <p>{t("error.retry")}</p>
      </main>
    </>
  );
}
