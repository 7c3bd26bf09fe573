/**
 * The Report Issue form without JavaScript: [Report Issue] links here, the form posts
 * multipart to this same URL, and the answer is the form again with per-field messages, or a
 * redirect (303) to the success message, so reloading never posts twice. A hidden
 * `idempotency_key` makes a double submit one ticket.
 */
import type { Handlers, PageProps } from "@/lib/framework/types.ts";
import { HttpError } from "@/lib/http/errors.ts";
import { reportForOrder } from "@/lib/issues/handlers.ts";
import { issueMessages } from "@/lib/issues/messages.ts";
import { ISSUE_CSS } from "@/lib/issues/styles.ts";
import { getTicket } from "@/lib/issues/tickets.ts";
import type { Org } from "@/lib/orders/model.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/store.ts";
import { renderLinkInvalidPage } from "@/lib/pages/link_error.tsx";
import { orderHref, reportHref } from "@/lib/pages/links.ts";
import { pageMessages } from "@/lib/pages/messages.ts";
import { PortalLayout } from "@/components/PortalLayout.tsx";
import { ReportIssueFields } from "@/components/ReportIssueFields.tsx";

type Data =
  | { kind: "notfound"; org: Org; token: string; number: string }
  | { kind: "done"; org: Org; token: string; number: string; ticket: string }
  | {
    kind: "form";
    org: Org;
    token: string;
    number: string;
    values: Record<string, string>;
    errors: Record<string, string>;
    alert: string;
  };

const FIELDS = ["issue_type", "description", "photos", "contact_email", "contact_phone"];

function newKey(): string {
  return crypto.randomUUID();
}

export const handler: Handlers<Data> = {
  async GET(ctx) {
    const access = ctx.state.access;
    if (!access) return renderLinkInvalidPage(ctx, undefined);
    const { org, customer, token } = access;
    const number = ctx.params.order_id;
    const m = issueMessages.bind(ctx.state.locale);
    ctx.state.title = m("title");
    const order = OrderNumber.safeParse(number).success
      ? await getOrder(ctx.services.kv, org.slug, customer.ref, number)
      : null;
    if (!order) return ctx.render({ kind: "notfound", org, token, number }, { status: 404 });
    const done = ctx.url.searchParams.get("ticket");
    if (done) {
      const ticket = await getTicket(ctx.services.kv, org.slug, done);
      // Only this customer's ticket for this order; anything else shows a fresh form.
      if (ticket && ticket.customer_ref === customer.ref && ticket.order_number === number) {
        return ctx.render({ kind: "done", org, token, number, ticket: ticket.ticket_number });
      }
    }
    return ctx.render({
      kind: "form",
      org,
      token,
      number,
      values: { contact_email: customer.email, idempotency_key: newKey() },
      errors: {},
      alert: "",
    });
  },

  async POST(ctx) {
    const access = ctx.state.access;
    if (!access) {
      await ctx.req.body?.cancel().catch(() => {});
      return renderLinkInvalidPage(ctx, undefined);
    }
    const { org, token } = access;
    const number = ctx.params.order_id;
    const m = issueMessages.bind(ctx.state.locale);
    ctx.state.title = m("title");
    const fields = new Map<string, string>();
    try {
      const { ticket } = await reportForOrder(ctx, fields);
      const to = `${reportHref(token, number)}?ticket=${ticket.ticket_number}`;
      return new Response(null, { status: 303, headers: { location: to } });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (err.status === 401) return renderLinkInvalidPage(ctx, undefined);
      if (err.status === 404) {
        return ctx.render({ kind: "notfound", org, token, number }, { status: 404 });
      }
      const errors: Record<string, string> = {};
      for (const [f, msgs] of Object.entries(err.fields ?? {})) {
        if (FIELDS.includes(f)) errors[f] = msgs[0];
      }
      const values = Object.fromEntries(fields);
      // Keep the same key: submitting the corrected form is still the same report.
      values.idempotency_key ||= newKey();
      values.contact_email ??= access.customer.email;
      return ctx.render({
        kind: "form",
        org,
        token,
        number,
        values,
        errors,
        alert: Object.keys(errors).length ? m("err_summary") : err.message,
      }, { status: err.status });
    }
  },
};

export default function ReportPage({ data, state, url }: PageProps<Data>) {
  const { locale } = state;
  const t = pageMessages.bind(locale);
  const m = issueMessages.bind(locale);
  const back = (
    <a class="btn btn--ghost" href={orderHref(data.token, data.number)}>
      <span aria-hidden="true">←</span> {m("back_to_order")}
    </a>
  );
  if (data.kind === "notfound") {
    return (
      <PortalLayout t={t} locale={locale} url={url} org={data.org}>
        <section class="card state">
          <h1 class="state__title">{t("notfound.title")}</h1>
          <p>{t("notfound.body", { number: data.number })}</p>
        </section>
      </PortalLayout>
    );
  }
  if (data.kind === "done") {
    return (
      <PortalLayout t={t} locale={locale} url={url} org={data.org}>
        <style dangerouslySetInnerHTML={{ __html: ISSUE_CSS }} />
        <section class="card ri-form">
          <h1>{m("title")}</h1>
          <p class="ri-success" role="status">
            {m("success")} {m("ticket_ref", { ticket: data.ticket })}
          </p>
          <p>{back}</p>
        </section>
      </PortalLayout>
    );
  }
  const { values, errors } = data;
  const invalid = FIELDS.filter((f) => errors[f]);
  return (
    <PortalLayout t={t} locale={locale} url={url} org={data.org}>
      <style dangerouslySetInnerHTML={{ __html: ISSUE_CSS }} />
      <form
        class="card ri-form"
        method="post"
        encType="multipart/form-data"
        action={reportHref(data.token, data.number)}
        noValidate
      >
        <div class="ri-head">
          <h1>{m("title")}</h1>
        </div>
        <p>{m("order", { order: data.number })}</p>
        {data.alert && (
          <div class="ri-alert" role="alert">
            <p>{data.alert}</p>
            {invalid.length > 0 && (
              <ul>
                {invalid.map((f) => (
                  <li key={f}>
                    <a href={`#ri-${f}`}>{errors[f]}</a>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <input type="hidden" name="idempotency_key" value={values.idempotency_key} />
        <ReportIssueFields
          values={{
            issue_type: "",
            description: "",
            contact_email: "",
            contact_phone: "",
            ...values,
          }}
          errors={errors}
          m={m}
        />
        <div class="ri-actions">
          <a class="btn btn--ghost" href={orderHref(data.token, data.number)}>{m("cancel")}</a>
          <button type="submit" class="btn">{m("submit")}</button>
        </div>
      </form>
    </PortalLayout>
  );
}
