/**
 * The Error State page (INT-007): "Access Link Invalid or Expired", HTTP 401. One page for
 * unknown, malformed, revoked and expired links, so it reveals nothing about which. When the
 * link's org is known its name and contact are shown; otherwise a generic line.
 */
import { Header } from "@/components/Header.tsx";
import { ContactLinks } from "@/components/Contact.tsx";
import type { RouteContext } from "@/lib/framework/types.ts";
import type { Org } from "@/lib/orders/model.ts";
import { pageMessages } from "./messages.ts";
import { renderStandalone } from "./render.tsx";

export function renderLinkInvalidPage(
  ctx: Pick<RouteContext, "url" | "state">,
  org: Org | undefined,
): Response {
  const locale = ctx.state.locale;
  const t = pageMessages.bind(locale);
  ctx.state.title = t("err.title");
  const Page = () => (
    <>
      <Header t={t} locale={locale} url={ctx.url} />
      <main id="main" class="page" tabIndex={-1}>
        <section class="card state state--error">
          <span class="state__icon state__icon--warn" aria-hidden="true"></span>
          <h1 class="state__title">{t("err.title")}</h1>
          <p>{t("err.body")}</p>
          <p>{org ? t("err.contactOrg", { org: org.name }) : t("err.contactGeneric")}</p>
          {org && (
            <p class="state__contact">
              {t("contact.label")} <ContactLinks org={org} phoneLabel={t("contact.phone")} />
            </p>
          )}
        </section>
      </main>
    </>
  );
  return renderStandalone(ctx, Page, { status: 401 });
}
