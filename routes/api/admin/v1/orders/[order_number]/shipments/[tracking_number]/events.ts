/**
 * POST /api/admin/v1/orders/{order_number}/shipments/{tracking_number}/events: a manual
 * tracking update (warehouse staff, or carriers without an API) → 201 with the shipment.
 */
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { OrderNumber, TrackingEventInput, TrackingNumber } from "@/lib/orders/input.ts";
import { addTrackingEvent } from "@/lib/orders/shipments.ts";
import { logManualUpdate } from "@/lib/tracking/integration_log.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async POST(ctx) {
    const { adminOrg: org, services } = ctx.state;
    const number = pathParam(ctx.params, "order_number", OrderNumber);
    const tracking = pathParam(ctx.params, "tracking_number", TrackingNumber);
    const body = await readJson(ctx.req, TrackingEventInput);
    const shipment = await addTrackingEvent(
      services.kv,
      org.slug,
      number,
      tracking,
      body,
      services.clock.now(),
    );
    // INT-003: manual updates appear in the integration log beside carrier polls.
    await logManualUpdate(services, org.slug, {
      carrier: shipment.carrier,
      order_number: number,
      tracking_number: tracking,
      status: body.status,
    });
    return json(shipment, 201);
  },
});
