/**
 * POST /api/admin/v1/orders/{order_number}/shipments/{tracking_number}/events: a manual
 * tracking update (warehouse staff, or carriers without an API) → 201 with the shipment.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminOrg, pathParam, storeErrorToHttp } from "@/lib/orders/api.ts";
import { OrderNumber, TrackingEventInput, TrackingNumber } from "@/lib/orders/input.ts";
import { addTrackingEvent } from "@/lib/orders/store.ts";
import { logManualUpdate } from "@/lib/tracking/integration_log.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const org = adminOrg(ctx);
    const number = pathParam(ctx, "order_number", OrderNumber);
    const tracking = pathParam(ctx, "tracking_number", TrackingNumber);
    const body = await readJson(ctx.req, TrackingEventInput);
    const shipment = await addTrackingEvent(
      ctx.services.kv,
      org.slug,
      number,
      tracking,
      body,
      ctx.services.clock.now(),
    ).catch(storeErrorToHttp);
    // INT-003: manual updates appear in the integration log beside carrier polls.
    await logManualUpdate(ctx.services, org.slug, {
      carrier: shipment.carrier,
      order_number: number,
      tracking_number: tracking,
      status: body.status,
    });
    return json(shipment, 201);
  },
};
