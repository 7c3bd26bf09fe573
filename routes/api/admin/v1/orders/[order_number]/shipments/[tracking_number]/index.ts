/** PUT /api/admin/v1/orders/{order_number}/shipments/{tracking_number}: register a shipment. */
import type { Handlers } from "@/lib/framework/types.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminOrg, pathParam, storeErrorToHttp } from "@/lib/orders/api.ts";
import { OrderNumber, ShipmentInput, TrackingNumber } from "@/lib/orders/input.ts";
import { upsertShipment } from "@/lib/orders/store.ts";

export const handler: Handlers = {
  async PUT(ctx) {
    const org = adminOrg(ctx);
    const number = pathParam(ctx, "order_number", OrderNumber);
    const tracking = pathParam(ctx, "tracking_number", TrackingNumber);
    const body = await readJson(ctx.req, ShipmentInput);
    const { shipment, created } = await upsertShipment(
      ctx.services.kv,
      org.slug,
      number,
      tracking,
      body,
      ctx.services.clock.now(),
    ).catch(storeErrorToHttp);
    return json(shipment, created ? 201 : 200);
  },
};
