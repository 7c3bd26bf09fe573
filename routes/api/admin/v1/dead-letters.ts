/**
 * `GET /api/admin/v1/dead-letters?cursor=&limit=`: queue messages of the caller's org that
 * failed for good (emails the mail service rejected or that exhausted their retries), newest
 * first, kept `DEAD_LETTER_RETENTION_DAYS`. Email payloads show only who, what and why.
 */
import { json, pageQuery, readQuery } from "@/lib/http/json.ts";
import { listDeadLetters } from "@/lib/queue/dead_letters.ts";
import { adminDefine } from "@/lib/state.ts";

const Query = pageQuery({ max: 200, default: 50 });

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const q = readQuery(ctx.url, Query);
    const page = await listDeadLetters(ctx.state.services.kv, {
      org: ctx.state.adminOrg.slug,
      limit: q.limit,
      cursor: q.cursor,
      now: ctx.state.services.clock.now(),
    });
    return json(page, 200, { "cache-control": "no-store" });
  },
});
