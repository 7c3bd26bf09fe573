/**
 * `GET /api/admin/v1/integrations`: integration status (INT-001) for the caller's org, one
 * entry per carrier: `{carrier, configured, mode, last_successful_poll, errors_24h,
 * shipments_tracked, circuit}`.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { json } from "@/lib/http/json.ts";
import { adminOrg } from "@/lib/orders/api.ts";
import { getIntegrationStatus } from "@/lib/tracking/status.ts";

export const handler: Handlers = {
  async GET(ctx) {
    const org = adminOrg(ctx); // 401 without an org API key
    const carriers = await getIntegrationStatus(ctx.services, org.slug);
    return json({ carriers }, 200, { "cache-control": "no-store" });
  },
};
