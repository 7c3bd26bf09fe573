/** Every request: the one error path (lib/http/error_middleware.ts), then the language. */
import { handleErrors } from "@/lib/http/error_middleware.ts";
import { langCookieFor, negotiateLocale } from "@/lib/i18n/negotiate.ts";
import { define } from "@/lib/state.ts";

/** ?lang= → the `lang` cookie → Accept-Language; a ?lang= choice is remembered in the cookie. */
const language = define.middleware((ctx) => {
  ctx.state.locale = negotiateLocale(
    ctx.url,
    ctx.req.headers.get("cookie"),
    ctx.req.headers.get("accept-language"),
  );
  const cookie = langCookieFor(ctx.url, ctx.state.client.https);
  if (cookie) ctx.state.responseHeaders.append("set-cookie", cookie);
  return ctx.next();
});

export default define.middleware([handleErrors, language]);
