import type { Handlers } from "@/lib/framework/types.ts";

/** Deploy health check: the process serves and KV answers. */
export const handler: Handlers = {
  async GET(ctx) {
    try {
      await ctx.services.kv.get(["healthz"]);
    } catch {
      return Response.json({ ok: false, kv: "unavailable" }, { status: 503 });
    }
    return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
  },
};
