/**
 * EN / ES / PL as plain links (`?lang=xx` on the current page, other query kept): works
 * without JavaScript; the server remembers the choice in the `lang` cookie.
 */
import { type Locale, LOCALES } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";

export function langHref(url: URL, lang: Locale): string {
  const q = new URLSearchParams(url.search);
  q.set("lang", lang);
  return `${url.pathname}?${q}`;
}

export function LanguageSwitcher({ t, locale, url }: { t: T; locale: Locale; url: URL }) {
  return (
    <nav class="lang-switch" aria-label={t("header.language")}>
      <ul>
        {LOCALES.map((l) => (
          <li>
            <a
              href={langHref(url, l)}
              hreflang={l}
              lang={l}
              aria-current={l === locale ? "true" : undefined}
              title={t(`lang.${l}`)}
            >
              {l.toUpperCase()}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
