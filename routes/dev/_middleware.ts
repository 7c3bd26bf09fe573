/**
 * Developer tools live under /dev. Their pages show emails with live magic links, so they
 * answer only in development (never in production, never on Deno Deploy: `config.devTools`)
 * and only to this machine (a loopback peer, no proxy headers: `isFromThisMachine`);
 * everyone else gets a 404 as if they were absent. They are never cached or indexed.
 */
import { HttpError } from "fresh";
import { isFromThisMachine } from "@/lib/http/request_client.ts";
import { define } from "@/lib/state.ts";

export default define.middleware((ctx) => {
  const { config } = ctx.state.services;
  if (!config.devTools || !isFromThisMachine(ctx.req, ctx.info, config.publicBaseUrl)) {
    throw new HttpError(404);
  }
  ctx.state.responseHeaders.set("cache-control", "no-store");
  ctx.state.responseHeaders.set("x-robots-tag", "noindex");
  return ctx.next();
});
