/**
 * The Report Issue form without JavaScript: [Report Issue] links here, the form posts
 * multipart to this same URL, and the answer is the form again with per-field messages, or a
 * redirect (303) to the success message, so reloading never posts twice. A hidden
 * `idempotency_key` makes a double submit one ticket.
 */
import { page } from "fresh";
import { DomainError, NotFoundError } from "@/lib/errors.ts";
import { problemOf } from "@/lib/http/errors.ts";
import { submitReportFromRequest } from "@/lib/http/report_form.ts";
import { issueMessages } from "@/lib/issues/messages.ts";
import { getTicket } from "@/lib/issues/tickets.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/orders.ts";
import { orderHref, reportHref } from "@/lib/pages/links.ts";
import { ReportIssueFields } from "@/components/ReportIssueFields.tsx";
import { linkDefine } from "@/lib/state.ts";

type Data =
  | { kind: "done"; token: string; number: string; ticket: string }
  | {
    kind: "form";
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

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const { org, customer, token } = access;
    const number = ctx.params.order_id;
    ctx.state.title = issueMessages.t(ctx.state.locale, "title");
    const order = OrderNumber.safeParse(number).success
      ? await getOrder(services.kv, org.slug, customer.ref, number)
      : null;
    if (!order) throw new NotFoundError("No such order.");
    const done = ctx.url.searchParams.get("ticket");
    if (done) {
      const ticket = await getTicket(services.kv, org.slug, done);
      // Only this customer's ticket for this order; anything else shows a fresh form.
      if (ticket && ticket.customer_ref === customer.ref && ticket.order_number === number) {
        return page<Data>({ kind: "done", token, number, ticket: ticket.ticket_number });
      }
    }
    return page<Data>({
      kind: "form",
      token,
      number,
      values: { contact_email: customer.email, idempotency_key: newKey() },
      errors: {},
      alert: "",
    });
  },

  async POST(ctx) {
    const { access } = ctx.state;
    const number = ctx.params.order_id;
    const m = issueMessages.bind(ctx.state.locale);
    ctx.state.title = m("title");
    const fields = new Map<string, string>();
    try {
      const { ticket } = await submitReportFromRequest(ctx, fields);
      const to = `${reportHref(access.token, number)}?ticket=${ticket.ticket_number}`;
      return ctx.redirect(to, 303);
    } catch (err) {
      // A form the customer can correct comes back with its messages (the photo quota's
      // 429 too: the report can go without photos); a missing order, a cross-site post,
      // the rate limit and anything unexpected go to the error page.
      const problem = err instanceof DomainError && !(err instanceof NotFoundError)
        ? problemOf(err)
        : null;
      if (
        !problem || problem.status === 401 || problem.status === 403 ||
        (problem.status === 429 && !problem.fields)
      ) throw err;
      const errors: Record<string, string> = {};
      for (const [f, msgs] of Object.entries(problem.fields ?? {})) {
        if (FIELDS.includes(f)) errors[f] = msgs[0];
      }
      const values = Object.fromEntries(fields);
      // Keep the same key: submitting the corrected form is still the same report; a key
      // that already made another report is replaced, so sending again makes a new one.
      if (problem.code === "idempotency_key_reused") values.idempotency_key = newKey();
      values.idempotency_key ||= newKey();
      values.contact_email ??= access.customer.email;
      return page<Data>({
        kind: "form",
        token: access.token,
        number,
        values,
        errors,
        alert: Object.keys(errors).length ? m("err_summary") : problem.message,
      }, { status: problem.status, headers: problem.headers });
    }
  },
});

export default linkDefine.page<typeof handler>(function ReportPage({ data, state }) {
  const { locale } = state;
  const m = issueMessages.bind(locale);
  const back = (
    <a class="btn btn--ghost" href={orderHref(data.token, data.number)}>
      <span aria-hidden="true">←</span> {m("back_to_order")}
    </a>
  );
  if (data.kind === "done") {
    return (
      <>
        <section class="card ri-form">
          <h1>{m("title")}</h1>
          <p class="ri-success" role="status">
            {m("success")} {m("ticket_ref", { ticket: data.ticket })}
          </p>
          <p>{back}</p>
        </section>
      </>
    );
  }
  const { values, errors } = data;
  const invalid = FIELDS.filter((f) => errors[f]);
  return (
    <>
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
    </>
  );
});
