/** The friendly page for HTTP 429 (100 requests per hour per link), in the page's language. */
import { Header } from "@/components/Header.tsx";
import type { RouteContext } from "@/lib/framework/types.ts";
import { pageMessages } from "./messages.ts";
import { renderStandalone } from "./render.tsx";

export function renderRateLimitedPage(
  ctx: Pick<RouteContext, "url" | "state">,
  retryAfterSeconds: number,
): Response {
  const locale = ctx.state.locale;
  const t = pageMessages.bind(locale);
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  ctx.state.title = t("rl.title");
  // The same URL without ?lang, so "Try again" does not re-set the cookie needlessly.
  const again = new URL(ctx.url);
  again.searchParams.delete("lang");
  const Page = () => (
    <>
      <Header t={t} locale={locale} url={ctx.url} />
      <main id="main" class="page" tabIndex={-1}>
        <section class="card state state--wait">
          <span class="state__icon state__icon--clock" aria-hidden="true"></span>
          <h1 class="state__title">{t("rl.title")}</h1>
          <p>{t("rl.body")}</p>
          <p>{t("rl.wait", { count: minutes })}</p>
          <p>
            <a class="btn" href={again.pathname + again.search}>{t("rl.retry")}</a>
          </p>
        </section>
      </main>
    </>
  );
  return renderStandalone(ctx, Page, { status: 429, headers: { "retry-after": String(seconds) } });
}
