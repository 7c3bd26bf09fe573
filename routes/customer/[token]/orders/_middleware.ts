/**
 * The order page's "Your reports" (components/YourReports.tsx): the customer's tickets for
 * this order, loaded here so the page file only places the component (its redesign stays
 * independent of the support workflow). Other routes under `orders/` are left alone.
 */
import { listCustomerOrderTickets } from "@/lib/issues/workflow.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { linkDefine } from "@/lib/state.ts";

const ORDER_PAGE = "/customer/:token/orders/:order_id";

export default linkDefine.middleware(async (ctx) => {
  const number = ctx.params.order_id;
  if (
    ctx.route === ORDER_PAGE && ctx.req.method === "GET" && OrderNumber.safeParse(number).success
  ) {
    const { access, services } = ctx.state;
    ctx.state.reports = await listCustomerOrderTickets(
      services.kv,
      access.org.slug,
      access.customer.ref,
      number,
    );
  }
  return await ctx.next();
});
