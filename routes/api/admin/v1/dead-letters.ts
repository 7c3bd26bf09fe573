/**
 * `GET /api/admin/v1/dead-letters?cursor=&limit=`: queue messages of the caller's org that
 * failed for good (emails the mail service rejected or that exhausted their retries), newest
 * first. Email bodies are not kept, only who, what and why.
 */
import { z } from "zod";
import type { Handlers } from "../../../../lib/framework/types.ts";
import { fieldsFromZod, HttpError } from "../../../../lib/http/errors.ts";
import { json } from "../../../../lib/http/json.ts";
import { adminOrg } from "../../../../lib/orders/api.ts";
import { listDeadLetters } from "../../../../lib/queue/dead_letters.ts";

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
      const page = await listDeadLetters(ctx.services.kv, {
        org: org.slug,
        limit: q.data.limit,
        cursor: q.data.cursor,
      });
      return json(page, 200, { "cache-control": "no-store" });
    } catch {
      // KV rejects a cursor it did not issue.
      throw new HttpError(400, "bad_request", "The cursor is not valid.");
    }
  },
};
