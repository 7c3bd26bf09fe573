/**
 * `GET /api/admin/v1/logs?cursor=&limit=`: integration logs (INT-003) of the caller's
 * org, newest first, cursor-paged: polls, carrier calls, OAuth token requests and manual
 * updates, kept 30 days. Rows carry carrier, tracking numbers, outcome, latency and HTTP
 * status; never a credential or token.
 */
import { z } from "zod";
import type { Handlers } from "../../../../lib/framework/types.ts";
import { fieldsFromZod, HttpError } from "../../../../lib/http/errors.ts";
import { json } from "../../../../lib/http/json.ts";
import { adminOrg } from "../../../../lib/orders/api.ts";
import { InvalidLogCursorError, listLogs } from "../../../../lib/tracking/integration_log.ts";

const Query = z.object({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const handler: Handlers = {
  async GET(ctx) {
    const org = adminOrg(ctx); // 401 without an org API key
    const q = Query.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!q.success) {
      throw new HttpError(
        422,
        "validation_failed",
        "Some fields are invalid.",
        fieldsFromZod(q.error.issues),
      );
    }
    try {
      const page = await listLogs(ctx.services.kv, org.slug, q.data);
      return json(page, 200, { "cache-control": "no-store" });
    } catch (err) {
      if (err instanceof InvalidLogCursorError) {
        throw new HttpError(400, "bad_request", "The cursor is not valid.");
      }
      throw err;
    }
  },
};
