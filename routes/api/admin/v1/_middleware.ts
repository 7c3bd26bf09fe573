/**
 * Every admin API call: `Authorization: Bearer <org API key>` → `ctx.state.adminOrg`, so
 * every admin route is scoped to that org. A missing, malformed or unknown key is one 401.
 */
import { verifyApiKey } from "@/lib/access/api_keys.ts";
import { UnauthorizedError } from "@/lib/errors.ts";
import { define } from "@/lib/state.ts";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export default define.middleware(async (ctx) => {
  const match = (ctx.req.headers.get("authorization") ?? "").match(BEARER);
  const org = match ? await verifyApiKey(ctx.state.services.kv, match[1]) : null;
  if (!org) throw new UnauthorizedError("Send an org API key as a Bearer token.");
  ctx.state.adminOrg = org;
  return await ctx.next();
});
