/**
 * The one error page (Fresh 2's `_error`, in place of `_404` and `_500`). `routes/_middleware.ts`
 * has already turned whatever was thrown into an `HttpError` with the right status and headers
 * (the original error is its `cause`); this page shows it in the visitor's language:
 *
 * - an invalid, revoked or expired link (INT-007 Error State, 401), with the org's contact
 *   when the link still names an org;
 * - the rate limit (429), with when to try again;
 * - an order outside this link's customer (404), inside the customer's portal chrome;
 * - any other missing page (404), and everything else, by its message (5xx say nothing).
 */
import { HttpError, page } from "fresh";
import { ContactLinks } from "@/components/Contact.tsx";
import { Header } from "@/components/Header.tsx";
import { PortalLayout } from "@/components/PortalLayout.tsx";
import { LinkInvalidError } from "@/lib/access/tokens.ts";
import { RateLimitedError } from "@/lib/errors.ts";
import { LinkRateLimitedError } from "@/lib/http/link_access.ts";
import { log } from "@/lib/log.ts";
import type { Org } from "@/lib/orders/model.ts";
import { dashboardHref } from "@/lib/pages/links.ts";
import { pageMessages, type T } from "@/lib/pages/messages.ts";
import { siteMessages } from "@/lib/pages/site_messages.ts";
import { define } from "@/lib/state.ts";
import { isStaffPath, StaffErrorPage, staffErrorView } from "@/components/staff/StaffError.tsx";

type View =
  | { kind: "link_invalid"; org?: Org }
  | { kind: "rate_limited"; minutes: number; again: string; org?: Org }
  | { kind: "order_not_found"; org: Org; token: string; number: string }
  | { kind: "not_found" }
  | { kind: "staff"; status: number; message: string; signIn: boolean }
  | { kind: "error"; status: number; message: string; org?: Org };

export const handler = define.handlers((ctx) => {
  const error = ctx.error;
  if (!(error instanceof HttpError)) {
    // Thrown before the root middleware could map it (a bug in the outermost middleware).
    log.error("unhandled error", { route: ctx.route ?? "(none)", err: error });
  }
  const status = error instanceof HttpError ? error.status : 500;
  const cause = error instanceof HttpError ? error.cause : error;
  const t = pageMessages.bind(ctx.state.locale ?? "en");
  const access = ctx.state.access;
  let view: View;
  if (isStaffPath(ctx.url.pathname)) {
    view = staffErrorView(status, error, cause);
  } else if (cause instanceof LinkInvalidError) {
    ctx.state.title = t("err.title");
    view = { kind: "link_invalid", org: cause.org };
  } else if (cause instanceof RateLimitedError) {
    // The wait the Retry-After header really means, in the title and the text alike.
    // The same URL without ?lang, so "Try again" does not re-set the cookie needlessly.
    const again = new URL(ctx.url);
    again.searchParams.delete("lang");
    const minutes = Math.max(1, Math.ceil(Math.max(1, cause.retryAfterSeconds) / 60));
    ctx.state.title = t("rl.title", { count: minutes });
    const org = cause instanceof LinkRateLimitedError ? cause.org : access?.org;
    view = { kind: "rate_limited", minutes, again: again.pathname + again.search, org };
  } else if (status === 404 && access && ctx.params.order_id !== undefined) {
    ctx.state.title = t("notfound.title");
    view = {
      kind: "order_not_found",
      org: access.org,
      token: access.token,
      number: ctx.params.order_id,
    };
  } else if (status === 404) {
    view = { kind: "not_found" };
  } else {
    view = {
      kind: "error",
      status,
      message: error instanceof HttpError ? error.message : "",
      org: access?.org,
    };
  }
  return page(view, { status, headers: error instanceof HttpError ? error.headers : undefined });
});

export default define.page<typeof handler>(function ErrorPage({ data, state, url }) {
  const locale = state.locale ?? "en";
  if (data.kind === "staff") return <StaffErrorPage view={data} locale={locale} url={url} />;
  const t = pageMessages.bind(locale);
  if (data.kind === "order_not_found") {
    return (
      <PortalLayout t={t} locale={locale} url={url} org={data.org}>
        <section class="card state">
          <span class="state__icon state__icon--box" aria-hidden="true"></span>
          <h1 class="state__title">{t("notfound.title")}</h1>
          <p>{t("notfound.body", { number: data.number })}</p>
          <p>
            <a class="btn btn--ghost back" href={dashboardHref(data.token)}>
              <span aria-hidden="true">←</span> {t("detail.back")}
            </a>
          </p>
        </section>
      </PortalLayout>
    );
  }
  return (
    <>
      <Header t={t} locale={locale} url={url} />
      {data.kind === "link_invalid"
        ? <LinkInvalid t={t} org={data.org} />
        : data.kind === "rate_limited"
        ? <RateLimited t={t} minutes={data.minutes} again={data.again} org={data.org} />
        : <Plain locale={locale} view={data} t={t} />}
    </>
  );
});

function LinkInvalid({ t, org }: { t: T; org?: Org }) {
  return (
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
  );
}

function RateLimited(
  { t, minutes, again, org }: { t: T; minutes: number; again: string; org?: Org },
) {
  return (
    <main id="main" class="page" tabIndex={-1}>
      <section class="card state state--wait">
        <span class="state__icon state__icon--clock" aria-hidden="true"></span>
        <h1 class="state__title">{t("rl.title", { count: minutes })}</h1>
        <p>{t("rl.body")}</p>
        <p>{t("rl.wait", { count: minutes })}</p>
        <p>
          <a class="btn" href={again}>{t("rl.retry")}</a>
        </p>
        {org && <OrgContact t={t} org={org} lead={t("rl.contact", { org: org.name })} />}
      </section>
    </main>
  );
}

/** "Contact Acme Foods: support@… · +1 …" wherever the supplier is known. */
function OrgContact({ t, org, lead }: { t: T; org: Org; lead: string }) {
  return (
    <p class="state__contact">
      {lead} <ContactLinks org={org} phoneLabel={t("contact.phone")} />
    </p>
  );
}

function Plain(
  { locale, view, t: pt }: {
    locale: Parameters<typeof siteMessages.bind>[0];
    view: Extract<View, { kind: "not_found" | "error" }>;
    t: T;
  },
) {
  const t = siteMessages.bind(locale);
  if (view.kind === "not_found") {
    return (
      <main id="main" class="page state-page" tabIndex={-1}>
        <h1>{t("notFound.title")}</h1>
        <p>{t("notFound.body")}</p>
        <p>
          <a href="/">{t("notFound.home")}</a>
        </p>
      </main>
    );
  }
  return (
    <main id="main" class="page state-page" tabIndex={-1}>
      <h1>{view.status >= 500 ? t("error.title") : view.message}</h1>
      <p>{t("error.retry")}</p>
      {view.org && (
        <OrgContact t={pt} org={view.org} lead={pt("err.contactHelp", { org: view.org.name })} />
      )}
    </main>
  );
}
