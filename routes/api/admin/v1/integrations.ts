/**
 * `GET /api/admin/v1/integrations`: integration status (INT-001) for the caller's org, one
 * entry per carrier: `{carrier, configured, mode, last_successful_poll, errors_24h,
 * shipments_tracked, circuit}`.
 */
import { json } from "@/lib/http/json.ts";
import { getIntegrationStatus } from "@/lib/tracking/status.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const carriers = await getIntegrationStatus(ctx.state.services, ctx.state.adminOrg.slug);
    return json({ carriers }, 200, { "cache-control": "no-store" });
  },
});
