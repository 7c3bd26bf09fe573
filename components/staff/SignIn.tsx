/**
 * The sign-in page: the company provider's button, or (development only, from this machine)
 * the clearly labelled developer sign-in form. Both are forms (POST), so a prefetcher or a
 * crawler never starts a sign-in.
 */
import { asset } from "fresh/runtime";
import type { Locale, Org } from "@/lib/orders/model.ts";
import { STAFF_ROLES } from "@/lib/staff/roles.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { LanguageLinks } from "./StaffChrome.tsx";

export interface SignInView {
  mode: "oidc" | "developer";
  returnTo: string;
  signedOut: boolean;
  /** The org the sign-in link names (`?org=`), passed on to the provider step. */
  org?: string;
  /** Developer sign-in: the orgs to choose from. */
  orgs: Org[];
}

export function SignInPage({ view, locale, url }: { view: SignInView; locale: Locale; url: URL }) {
  const t = staffMessages.bind(locale);
  return (
    <div class="st st--signin">
      <link rel="stylesheet" href={asset("/staff.css")} />
      <header class="st-header">
        <div class="st-header__top">
          <p class="st-brand">
            <span class="st-brand__product">{t("app.name")}</span>
            <span class="st-brand__org">{t("signin.console")}</span>
          </p>
          <LanguageLinks t={t} locale={locale} url={url} />
        </div>
      </header>
      <main id="main" class="st-main st-main--narrow" tabIndex={-1}>
        <section class="st-card">
          <h1>{t("signin.title")}</h1>
          {view.signedOut && (
            <p class="st-notice st-notice--ok" role="status">{t("signin.signedOut")}</p>
          )}
          {view.mode === "oidc"
            ? (
              <form method="post" action="/staff/signin" class="st-form">
                <input type="hidden" name="return_to" value={view.returnTo} />
                {view.org && <input type="hidden" name="org" value={view.org} />}
                <p>{t("signin.intro")}</p>
                <button class="st-btn st-btn--wide" type="submit">{t("signin.button")}</button>
              </form>
            )
            : (
              <form method="post" action="/staff/dev-signin" class="st-form">
                <p class="st-devbar st-devbar--inline" role="note">{t("dev.banner")}</p>
                <p>{t("dev.intro")}</p>
                <input type="hidden" name="return_to" value={view.returnTo} />
                <div class="st-field">
                  <label for="dev-org">{t("dev.org")}</label>
                  <select id="dev-org" name="org" required>
                    {view.orgs.map((o) => (
                      <option key={o.slug} value={o.slug}>{o.name} ({o.slug})</option>
                    ))}
                  </select>
                </div>
                <div class="st-field">
                  <label for="dev-role">{t("dev.role")}</label>
                  <select id="dev-role" name="role">
                    {STAFF_ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
                  </select>
                </div>
                <button class="st-btn st-btn--wide" type="submit">{t("dev.button")}</button>
              </form>
            )}
        </section>
      </main>
    </div>
  );
}
