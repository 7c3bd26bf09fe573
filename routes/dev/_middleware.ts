/**
 * Developer tools live under /dev and exist only outside production: there they answer 404
 * as if absent. Their pages show emails with live magic links, so they are never cached or
 * indexed.
 */
import { HttpError } from "fresh";
import { define } from "@/lib/state.ts";

export default define.middleware((ctx) => {
  if (!ctx.state.services.config.dev) throw new HttpError(404);
  ctx.state.responseHeaders.set("cache-control", "no-store");
  ctx.state.responseHeaders.set("x-robots-tag", "noindex");
  return ctx.next();
});
