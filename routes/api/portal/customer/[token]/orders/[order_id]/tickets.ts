/**
 * `GET /api/portal/customer/{token}/orders/{order_id}/tickets`: the order's support tickets
 * raised under this link's customer, oldest first, each with `ticket_number`, `status`,
 * `created_at`, `updated_at`, `resolved_at`, `issue_type` and the staff replies (never an
 * internal note or a staff email address). Another customer's order is a 404.
 */
import { NotFoundError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { PRIVATE_HEADERS } from "@/lib/http/views.ts";
import { listCustomerOrderTickets } from "@/lib/issues/workflow.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrderSummary } from "@/lib/orders/orders.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const number = ctx.params.order_id;
    if (!OrderNumber.safeParse(number).success) throw new NotFoundError("No such order.");
    const [order, tickets] = await Promise.all([
      getOrderSummary(services.kv, access.org.slug, access.customer.ref, number),
      listCustomerOrderTickets(services.kv, access.org.slug, access.customer.ref, number),
    ]);
    if (!order) throw new NotFoundError("No such order.");
    return json({ order_number: number, tickets }, 200, PRIVATE_HEADERS);
  },
});
