/**
 * `GET /api/admin/v1/logs?cursor=&limit=`: integration logs (INT-003) of the caller's
 * org, newest first, cursor-paged: polls, carrier calls, OAuth token requests and manual
 * updates, kept 30 days. Rows carry carrier, tracking numbers, outcome, latency and HTTP
 * status; never a credential or token.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { HttpError } from "@/lib/http/errors.ts";
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { adminOrg } from "@/lib/orders/api.ts";
import { InvalidLogCursorError, listLogs } from "@/lib/tracking/integration_log.ts";

const Query = pageQuery({ max: 200, default: 50 });

export const handler: Handlers = {
  async GET(ctx) {
    const org = adminOrg(ctx); // 401 without an org API key
    const q = readQuery(ctx.url, Query);
    try {
      const page = await listLogs(ctx.services.kv, org.slug, q);
      return json(page, 200, { "cache-control": "no-store" });
    } catch (err) {
      if (err instanceof InvalidLogCursorError) {
        throw new HttpError(400, "bad_request", "The cursor is not valid.");
      }
      throw err;
    }
  },
};
