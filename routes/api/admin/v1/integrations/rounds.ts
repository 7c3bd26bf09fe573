/**
 * `GET /api/admin/v1/integrations/rounds?limit=`: the newest poll rounds (issue 14), newest
 * first, with the caller's org's share of each: per carrier the shipments due, polled,
 * changed and deferred, carrier calls, KV operations, and the round's start, end and
 * duration (README "Poller at scale").
 */
import { z } from "zod";
import { json, readQuery } from "@/lib/http/json.ts";
import { latestRounds } from "@/lib/tracking/rounds.ts";
import { adminDefine } from "@/lib/state.ts";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(48).default(10) });

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const { limit } = readQuery(ctx.url, Query);
    const rounds = await latestRounds(ctx.state.services.kv, {
      limit,
      org: ctx.state.adminOrg.slug,
    });
    return json({ rounds: rounds.map(publicRound) }, 200, { "cache-control": "no-store" });
  },
});

type Round = Awaited<ReturnType<typeof latestRounds>>[number];

/** What an org sees: its counts; bookkeeping (batches, allowance) stays internal. */
function publicRound(r: Round) {
  return {
    slot: r.slot,
    started_at: r.started_at,
    completed_at: r.completed_at,
    duration_ms: r.duration_ms,
    carriers: r.carriers.map((c) => ({
      carrier: c.carrier,
      ...(c.skipped ? { skipped: c.skipped } : {}),
      due: c.due,
      polled: c.polled,
      changed: c.changed,
      deferred: c.deferred,
      failed: c.failed,
      emails: c.emails,
      carrier_calls: c.carrier_calls,
      kv_ops: c.kv_ops,
      completed_at: c.completed_at ?? null,
      duration_ms: c.duration_ms ?? null,
    })),
  };
}
