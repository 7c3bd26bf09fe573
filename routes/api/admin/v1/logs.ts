/**
 * `GET /api/admin/v1/logs?cursor=&limit=`: integration logs (INT-003) of the caller's
 * org, newest first, cursor-paged: polls, carrier calls, OAuth token requests and manual
 * updates, kept 30 days. Rows carry carrier, tracking numbers, outcome, latency and HTTP
 * status; never a credential or token.
 */
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { listLogs } from "@/lib/tracking/integration_log.ts";
import { adminDefine } from "@/lib/state.ts";

const Query = pageQuery({ max: 200, default: 50 });

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const q = readQuery(ctx.url, Query);
    const page = await listLogs(ctx.state.services.kv, ctx.state.adminOrg.slug, q);
    return json(page, 200, { "cache-control": "no-store" });
  },
});
