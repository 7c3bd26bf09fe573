/**
 * The staff console's chrome and small shared pieces: the header with the navigation, the
 * signed-in member and the sign-out control (on every page), the developer sign-in label,
 * the CSRF field every form carries, notices, status badges, times and paging.
 */
import type { ComponentChildren } from "preact";
import { asset } from "fresh/runtime";
import { type Locale, LOCALES } from "@/lib/orders/model.ts";
import { can } from "@/lib/staff/roles.ts";
import { staffMessages, type StaffT } from "@/lib/staff/messages.ts";
import type { StaffAccess } from "@/lib/state.ts";
import { CSRF_FIELD } from "@/lib/http/csrf.ts";
import type { TicketStatus } from "@/lib/issues/workflow.ts";

export type { StaffT };

export const NAV = [
  { href: "/staff/tickets", key: "nav.tickets" },
  { href: "/staff/customers", key: "nav.customers" },
  { href: "/staff/integrations", key: "nav.integrations" },
  { href: "/staff/logs", key: "nav.logs" },
  { href: "/staff/dead-letters", key: "nav.deadLetters" },
  { href: "/staff/audit", key: "nav.audit", permission: "audit.view" },
  { href: "/staff/team", key: "nav.team", permission: "staff.manage" },
] as const;

/** `2026-01-16 12:00 UTC`-style time in the page's language, always in UTC (staff work across zones). */
export function fmtTime(locale: Locale, iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(d) + " UTC";
}

function langHref(url: URL, lang: Locale): string {
  const q = new URLSearchParams(url.search);
  q.set("lang", lang);
  return `${url.pathname}?${q}`;
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

export function LanguageLinks({ t, locale, url }: { t: StaffT; locale: Locale; url: URL }) {
  return (
    <nav class="st-lang" aria-label={t("header.language")}>
      <ul>
        {LOCALES.map((l) => (
          <li>
            <a
              href={langHref(url, l)}
              hreflang={l}
              lang={l}
              aria-current={l === locale ? "true" : undefined}
            >
              {l.toUpperCase()}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Every signed-in page: header, navigation, who is signed in, sign-out, the main landmark. */
export function StaffLayout(
  { locale, url, staff, children }: {
    locale: Locale;
    url: URL;
    staff: StaffAccess;
    children: ComponentChildren;
  },
) {
  const t = staffMessages.bind(locale);
  const { actor } = staff;
  const here = url.pathname;
  return (
    <div class="st">
      <link rel="stylesheet" href={asset("/staff.css")} />
      {actor.via === "developer" && <p class="st-devbar" role="note">{t("dev.banner")}</p>}
      <header class="st-header">
        <div class="st-header__top">
          <p class="st-brand">
            <span class="st-brand__product">{t("app.name")}</span>
            <span class="st-brand__org">{staff.orgName}</span>
          </p>
          <LanguageLinks t={t} locale={locale} url={url} />
          <div class="st-who">
            <span class="st-who__name">{actor.name ?? actor.email}</span>
            <span class="st-who__role">{t(`role.${actor.role}`)}</span>
            <form method="post" action="/staff/signout" class="st-signout">
              <CsrfField token={staff.csrfToken} />
              <button class="st-btn st-btn--ghost" type="submit">{t("nav.signOut")}</button>
            </form>
          </div>
        </div>
        <nav class="st-nav" aria-label={t("nav.label")}>
          <ul>
            {NAV.filter((n) => !("permission" in n) || can(actor.role, n.permission)).map((n) => {
              const current = here === n.href || here.startsWith(n.href + "/");
              return (
                <li>
                  <a href={n.href} aria-current={current ? "page" : undefined}>{t(n.key)}</a>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main id="main" class="st-main" tabIndex={-1}>{children}</main>
    </div>
  );
}

/** A short confirmation after a form (`?notice=`), announced to screen readers. */
export function Notice({ text, kind = "ok" }: { text: string | null; kind?: "ok" | "warn" }) {
  if (!text) return null;
  return <p class={`st-notice st-notice--${kind}`} role="status">{text}</p>;
}

export function StatusBadge({ t, status }: { t: StaffT; status: TicketStatus }) {
  return <span class={`st-badge st-badge--${status}`}>{t(`status.${status}`)}</span>;
}

/** "Next page" for cursor paging; keeps the other query parameters. */
export function Pager(
  { t, url, cursor }: { t: StaffT; url: URL; cursor: string | null },
) {
  const first = url.searchParams.has("cursor");
  if (!cursor && !first) return null;
  const next = new URL(url);
  if (cursor) next.searchParams.set("cursor", cursor);
  const start = new URL(url);
  start.searchParams.delete("cursor");
  return (
    <nav class="st-pager" aria-label={t("pager.label")}>
      {first && (
        <a class="st-btn st-btn--ghost" href={start.pathname + start.search}>{t("pager.first")}</a>
      )}
      {cursor && <a class="st-btn" href={next.pathname + next.search}>{t("pager.next")}</a>}
    </nav>
  );
}

export function PageHead({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="st-pagehead">
      <h1>{title}</h1>
      {children}
    </div>
  );
}
