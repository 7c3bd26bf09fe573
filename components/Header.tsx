/** The portal's header: product, org name, [Help] and the language switcher. */
import type { Locale } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";
import { LanguageSwitcher } from "./LanguageSwitcher.tsx";

/** `help`: the page has the #help section (pages without it show no dead [Help] link). */
export function Header(
  { t, locale, url, orgName, help = false }: {
    t: T;
    locale: Locale;
    url: URL;
    orgName?: string;
    help?: boolean;
  },
) {
  return (
    <header class="site-header">
      <div class="site-header__inner">
        <div class="site-header__brand">
          <p class="site-header__product">{t("app.name")}</p>
          {orgName && <p class="site-header__org">{orgName}</p>}
        </div>
        {help && <a class="btn btn--ghost" href="#help">{t("header.help")}</a>}
        <LanguageSwitcher t={t} locale={locale} url={url} />
      </div>
    </header>
  );
}
