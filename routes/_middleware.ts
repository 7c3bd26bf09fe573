import type { Middleware } from "@/lib/framework/types.ts";
import { langCookieFor, negotiateLocale } from "@/lib/i18n/negotiate.ts";

/** Every page and API answer: choose the language (?lang= → cookie → Accept-Language). */
export const handler: Middleware = async (ctx) => {
  ctx.state.locale = negotiateLocale(
    ctx.url,
    ctx.req.headers.get("cookie"),
    ctx.req.headers.get("accept-language"),
  );
  const res = await ctx.next();
  const cookie = langCookieFor(ctx.url);
  if (cookie) res.headers.append("set-cookie", cookie);
  return res;
};
