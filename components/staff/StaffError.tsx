/**
 * The error page under `/staff` (rendered by `routes/_error.tsx`, in the staff console's
 * look): a refused sign-in with "Try again", an expired form, a page that is not there, a
 * permission the role lacks. 5xx say nothing about their cause.
 */
import { HttpError } from "fresh";
import { asset } from "fresh/runtime";
import { SignInError, type SignInFailure } from "@/lib/http/oidc.ts";
import { CsrfError } from "@/lib/http/csrf.ts";
import { RateLimitedError } from "@/lib/errors.ts";
import { MissingPermissionError } from "@/lib/staff/roles.ts";
import { StaffPermissionError } from "@/lib/staff/members.ts";
import type { Locale } from "@/lib/orders/model.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { LanguageLinks } from "./StaffChrome.tsx";

export interface StaffErrorView {
  kind: "staff";
  status: number;
  message: string;
  signIn: boolean;
  /** A known cause the page says in the visitor's language. */
  known?: KnownCause;
}

type KnownCause =
  | "csrf"
  | "crossSite"
  | "permission"
  | "rateLimited"
  | `fail.${SignInFailure}`;

export function isStaffPath(path: string): boolean {
  return path === "/staff" || path.startsWith("/staff/");
}

function knownCause(cause: unknown): KnownCause | undefined {
  if (cause instanceof SignInError) return `fail.${cause.reason}`;
  if (cause instanceof CsrfError) return cause.reason === "token" ? "csrf" : "crossSite";
  if (cause instanceof MissingPermissionError || cause instanceof StaffPermissionError) {
    return "permission";
  }
  if (cause instanceof RateLimitedError) return "rateLimited";
  return undefined;
}

export function staffErrorView(status: number, error: unknown, cause: unknown): StaffErrorView {
  const message = status < 500 || status === 503
    ? (error instanceof HttpError ? error.message : "")
    : "";
  const known = knownCause(cause);
  return {
    kind: "staff",
    status,
    message,
    signIn: cause instanceof SignInError,
    ...(known ? { known } : {}),
  };
}

export function StaffErrorPage(
  { view, locale, url }: { view: StaffErrorView; locale: Locale; url: URL },
) {
  const t = staffMessages.bind(locale);
  const title = view.signIn
    ? t("error.signIn")
    : view.status === 404
    ? t("error.notFound")
    : view.status === 403
    ? t("error.forbidden")
    : t("error.title");
  return (
    <div class="st">
      <link rel="stylesheet" href={asset("/staff.css")} />
      <header class="st-header">
        <div class="st-header__top">
          <p class="st-brand">
            <span class="st-brand__product">{t("app.name")}</span>
          </p>
          <LanguageLinks t={t} locale={locale} url={url} />
        </div>
      </header>
      <main id="main" class="st-main st-main--narrow" tabIndex={-1}>
        <section class="st-card">
          <h1>{title}</h1>
          {view.known ? <p>{t(`error.${view.known}`)}</p> : view.message && <p>{view.message}</p>}
          <p class="st-actions">
            {view.signIn
              ? <a class="st-btn" href="/staff/signin">{t("error.tryAgain")}</a>
              : <a class="st-btn" href="/staff">{t("error.back")}</a>}
          </p>
        </section>
      </main>
    </div>
  );
}
