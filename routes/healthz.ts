import { define } from "@/lib/state.ts";

/** Deploy health check: the process serves and KV answers. */
export const handler = define.handlers({
  async GET(ctx) {
    try {
      await ctx.state.services.kv.get(["healthz"]);
    } catch {
      return Response.json({ ok: false, kv: "unavailable" }, { status: 503 });
    }
    return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
  },
});
