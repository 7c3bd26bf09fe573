/** PUT /api/admin/v1/orders/{order_number}/shipments/{tracking_number}: register a shipment. */
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { OrderNumber, ShipmentInput, TrackingNumber } from "@/lib/orders/input.ts";
import { upsertShipment } from "@/lib/orders/shipments.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async PUT(ctx) {
    const { adminOrg: org, services } = ctx.state;
    const number = pathParam(ctx.params, "order_number", OrderNumber);
    const tracking = pathParam(ctx.params, "tracking_number", TrackingNumber);
    const body = await readJson(ctx.req, ShipmentInput);
    const { shipment, created } = await upsertShipment(
      services.kv,
      org.slug,
      number,
      tracking,
      body,
      services.clock.now(),
    );
    return json(shipment, created ? 201 : 200);
  },
});
