/**
 * GET /api/portal/customer/{token}/orders/{order_id}: one order of this link's customer with
 * lines, totals, delivery address, shipments and its documents. Any other order is a 404.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { notFound } from "@/lib/http/errors.ts";
import { json } from "@/lib/http/json.ts";
import { documentsView, linkAccess, orderDetailView, PRIVATE_HEADERS } from "@/lib/orders/api.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrder, getShipments } from "@/lib/orders/store.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const access = linkAccess(ctx);
    const number = ctx.params.order_id;
    if (!OrderNumber.safeParse(number).success) throw notFound("No such order.");
    const { kv, config } = ctx.services;
    const [order, shipments] = await Promise.all([
      getOrder(kv, access.org.slug, access.customer.ref, number),
      getShipments(kv, access.org.slug, access.customer.ref, number),
    ]);
    if (!order) throw notFound("No such order.");
    const documents = documentsView(config.publicBaseUrl, access.token, order);
    return json(orderDetailView(order, shipments, documents), 200, PRIVATE_HEADERS);
  },
};
