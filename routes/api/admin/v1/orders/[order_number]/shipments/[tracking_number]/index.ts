/**
 * PUT /api/admin/v1/orders/{order_number}/shipments/{tracking_number}: register a shipment.
 * `carrier` is a carrier name as the ERP sends it (lib/orders/carrier_names.ts); the first
 * carrier fetch is queued with the shipment (lib/tracking/fetch_now.ts).
 */
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { OrderNumber, ShipmentInput, TrackingNumber } from "@/lib/orders/input.ts";
import { putShipment } from "@/lib/tracking/fetch_now.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async PUT(ctx) {
    const { adminOrg: org, services } = ctx.state;
    const number = pathParam(ctx.params, "order_number", OrderNumber);
    const tracking = pathParam(ctx.params, "tracking_number", TrackingNumber);
    const body = await readJson(ctx.req, ShipmentInput);
    const { shipment, created } = await putShipment(services, org.slug, number, tracking, body);
    return json(shipment, created ? 201 : 200);
  },
});
