/**
 * Developer tools live under /dev and exist only outside production: there they answer 404
 * as if absent. Their pages show emails with live magic links, so they are never cached or
 * indexed.
 */
import type { Middleware } from "@/lib/framework/types.ts";
import { notFound } from "@/lib/http/errors.ts";

export const handler: Middleware = async (ctx) => {
  if (!ctx.services.config.dev) throw notFound();
  const res = await ctx.next();
  res.headers.set("cache-control", "no-store");
  res.headers.set("x-robots-tag", "noindex");
  return res;
};
