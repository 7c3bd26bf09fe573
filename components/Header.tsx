/** The portal's header: product, org name, [Help] and the language switcher. */
import type { Locale } from "../lib/orders/model.ts";
import type { T } from "../lib/pages/messages.ts";
import { LanguageSwitcher } from "./LanguageSwitcher.tsx";

export function Header(
  { t, locale, url, orgName }: { t: T; locale: Locale; url: URL; orgName?: string },
) {
  return (
    <header class="site-header">
      <div class="site-header__inner">
        <div class="site-header__brand">
          <p class="site-header__product">{t("app.name")}</p>
          {orgName && <p class="site-header__org">{orgName}</p>}
        </div>
        <nav class="site-header__nav" aria-label={t("header.help")}>
          <a class="btn btn--ghost" href="#help">{t("header.help")}</a>
        </nav>
        <LanguageSwitcher t={t} locale={locale} url={url} />
      </div>
    </header>
  );
}
