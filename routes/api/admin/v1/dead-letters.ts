/**
 * `GET /api/admin/v1/dead-letters?cursor=&limit=`: queue messages of the caller's org that
 * failed for good (emails the mail service rejected or that exhausted their retries), newest
 * first. Email bodies are not kept, only who, what and why.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { HttpError } from "@/lib/http/errors.ts";
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { adminOrg } from "@/lib/orders/api.ts";
import { listDeadLetters } from "@/lib/queue/dead_letters.ts";

const Query = pageQuery({ max: 200, default: 50 });

export const handler: Handlers = {
  async GET(ctx) {
    const org = adminOrg(ctx); // 401 without an org API key
    const q = readQuery(ctx.url, Query);
    try {
      const page = await listDeadLetters(ctx.services.kv, {
        org: org.slug,
        limit: q.limit,
        cursor: q.cursor,
      });
      return json(page, 200, { "cache-control": "no-store" });
    } catch {
      // KV rejects a cursor it did not issue.
      throw new HttpError(400, "bad_request", "The cursor is not valid.");
    }
  },
};
