/**
 * `POST /staff/customers/{customer_ref}/links` (`recipient_name?`, `recipient_email?`,
 * `label?`, `delivery=show|email`): a new link. Shown: the customer page comes back with the
 * URL, this once (never in a redirect, a log or a listing). Emailed: 303 to the customer
 * page. `GET` goes to the customer page.
 */
import { page } from "fresh";
import { CustomerDetail, type CustomerDetailData } from "@/components/staff/CustomerDetail.tsx";
import { createLinkForStaff, getCustomerForStaff } from "@/lib/staff/links.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  GET(ctx) {
    return ctx.redirect(`/staff/customers/${encodeURIComponent(ctx.params.customer_ref)}`, 303);
  },
  async POST(ctx) {
    const { services, staff } = ctx.state;
    const ref = ctx.params.customer_ref;
    const { link, shown } = await createLinkForStaff(
      services,
      staff.actor,
      ref,
      ctx.state.form ?? {},
    );
    if (!shown) {
      return ctx.redirect(`/staff/customers/${encodeURIComponent(ref)}?notice=sent`, 303);
    }
    const view = await getCustomerForStaff(services, staff.actor, ref);
    ctx.state.title = staffMessages.t(ctx.state.locale, "customer.title", {
      name: view.customer.name,
    });
    return page<CustomerDetailData>({
      view,
      canManage: true,
      notice: null,
      created: { link_id: link.link_id, url: link.url, expires_at: link.expires_at },
    }, { status: 201 });
  },
});

export default staffDefine.page<typeof handler>(function NewLink({ data, state }) {
  return <CustomerDetail data={data} locale={state.locale} csrf={state.staff.csrfToken} />;
});
