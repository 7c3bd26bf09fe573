/**
 * The admin API guard: `Authorization: Bearer <org API key>` → `ctx.state.adminOrg`. Every
 * admin route is scoped to that org. A missing, malformed or unknown key is one 401.
 */
import type { Middleware } from "@/lib/framework/types.ts";
import { HttpError, jsonError } from "@/lib/http/errors.ts";
import { verifyApiKey } from "./api_keys.ts";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function unauthorized(): Response {
  const res = jsonError(
    new HttpError(401, "unauthorized", "Send an org API key as a Bearer token.", undefined, {
      "www-authenticate": 'Bearer realm="admin"',
    }),
  );
  res.headers.set("cache-control", "no-store");
  return res;
}

export const adminAuthMiddleware: Middleware = async (ctx) => {
  const match = (ctx.req.headers.get("authorization") ?? "").match(BEARER);
  const org = match ? await verifyApiKey(ctx.services.kv, match[1]) : null;
  if (!org) return unauthorized();
  ctx.state.adminOrg = org;
  return await ctx.next();
};
