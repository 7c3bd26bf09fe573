/**
 * GET /api/portal/customer/{token}/orders/{order_id}: one order of this link's customer with
 * lines, totals, delivery address, shipments and its documents. Any other order is a 404.
 */
import { NotFoundError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { documentsView, orderDetailView, PRIVATE_HEADERS } from "@/lib/http/views.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder } from "@/lib/orders/orders.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const number = ctx.params.order_id;
    if (!OrderNumber.safeParse(number).success) throw new NotFoundError("No such order.");
    const [order, shipments] = await Promise.all([
      getOrder(services.kv, access.org.slug, access.customer.ref, number),
      getShipments(services.kv, access.org.slug, access.customer.ref, number),
    ]);
    if (!order) throw new NotFoundError("No such order.");
    const documents = documentsView(services.config.publicBaseUrl, access.token, order);
    return json(
      orderDetailView(order, shipments, documents, services.clock.now()),
      200,
      PRIVATE_HEADERS,
    );
  },
});
