/**
 * GET /api/portal/customer/{token}/orders/{order_id}/tracking: the order's shipments with
 * the carrier's tracking page, status, estimate, events (oldest first, each with its instant
 * and local time), delivery facts and when the data was last refreshed, or that the carrier
 * has not answered yet (`awaiting_carrier`). Any order outside this link's customer is a 404.
 */
import { NotFoundError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { PRIVATE_HEADERS, shipmentView } from "@/lib/http/views.ts";
import { OrderNumber } from "@/lib/orders/input.ts";
import { getOrderSummary } from "@/lib/orders/orders.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { requestRefreshIfStale } from "@/lib/tracking/poller.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const number = ctx.params.order_id;
    if (!OrderNumber.safeParse(number).success) throw new NotFoundError("No such order.");
    const [order, shipments] = await Promise.all([
      getOrderSummary(services.kv, access.org.slug, access.customer.ref, number),
      getShipments(services.kv, access.org.slug, access.customer.ref, number),
    ]);
    if (!order) throw new NotFoundError("No such order.");
    // Data older than TRACKING_STALE_MINUTES asks the queue for a carrier refresh (deduplicated;
    // never waits for the carrier); the answer says so, so a client can look again shortly.
    const requested = await Promise.all(
      shipments.map((s) => requestRefreshIfStale(services, s)),
    );
    const refreshed = shipments.map((s) => s.last_refreshed_at).filter((t): t is string => !!t)
      .sort();
    return json(
      {
        order_number: order.order_number,
        status: order.status,
        shipments: shipments.map((s) => shipmentView(s, order, services.clock.now())),
        last_refreshed_at: refreshed.at(-1) ?? null,
        refresh_requested: requested.some(Boolean),
        // Some shipment has no carrier answer yet (its first fetch is queued).
        awaiting_carrier: shipments.some((s) => !s.last_refreshed_at),
      },
      200,
      PRIVATE_HEADERS,
    );
  },
});
