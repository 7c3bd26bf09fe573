/** Header, main landmark and help footer shared by the customer pages. */
import type { ComponentChildren } from "preact";
import type { Locale, Org } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";
import { Header } from "./Header.tsx";
import { HelpSection } from "./HelpSection.tsx";

export function PortalLayout(
  { t, locale, url, org, children }: {
    t: T;
    locale: Locale;
    url: URL;
    org: Org;
    children: ComponentChildren;
  },
) {
  return (
    <>
      <Header t={t} locale={locale} url={url} orgName={org.name} help />
      <main id="main" class="page" tabIndex={-1}>{children}</main>
      <HelpSection t={t} org={org} />
    </>
  );
}
