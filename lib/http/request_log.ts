/**
 * One log line per request: method, the route pattern (never the path: paths carry tokens;
 * an unmatched path is logged redacted), status, duration and the client's address as
 * `TRUSTED_PROXIES` lets us believe it.
 */
import { HttpError } from "fresh";
import { log, redactPath } from "@/lib/log.ts";
import { define } from "@/lib/state.ts";

export const requestLog = define.middleware(async (ctx) => {
  const start = performance.now();
  let status = 500;
  try {
    const res = await ctx.next();
    status = res.status;
    return res;
  } catch (err) {
    // On its way to the `_error` page, which answers with this status.
    status = err instanceof HttpError ? err.status : 500;
    throw err;
  } finally {
    log.info("request", {
      method: ctx.req.method,
      route: ctx.route ?? redactPath(ctx.url.pathname),
      status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      client: ctx.state.client?.address,
    });
  }
});
