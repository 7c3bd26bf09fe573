/**
 * `GET /staff/customers/{customer_ref}`: the customer, its newest orders, and its links
 * (recipient, label, why it exists, creator, created, last used, use counts), with the forms
 * to create or send a link and to revoke one or all (support, admin).
 */
import { page } from "fresh";
import { CustomerDetail, type CustomerDetailData } from "@/components/staff/CustomerDetail.tsx";
import { getCustomerForStaff } from "@/lib/staff/links.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { can } from "@/lib/staff/roles.ts";
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const { services, staff } = ctx.state;
    const view = await getCustomerForStaff(services, staff.actor, ctx.params.customer_ref);
    ctx.state.title = staffMessages.t(ctx.state.locale, "customer.title", {
      name: view.customer.name,
    });
    return page<CustomerDetailData>({
      view,
      canManage: can(staff.actor.role, "links.manage"),
      notice: ctx.url.searchParams.get("notice"),
      created: null,
    });
  },
});

export default staffDefine.page<typeof handler>(function Customer({ data, state }) {
  return <CustomerDetail data={data} locale={state.locale} csrf={state.staff.csrfToken} />;
});
