/**
 * Which language a page is shown in: `?lang=` first (the switcher's links), then the `lang`
 * cookie the switcher set, then the browser's Accept-Language, then English.
 */
import { type Locale, LOCALES } from "@/lib/orders/model.ts";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** `es-MX` → `es`; anything else we don't speak → undefined. */
function base(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : undefined;
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(cookieHeader: string | null | undefined, name: string) {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Accept-Language tags sorted by q (highest first, stable), q=0 dropped. */
function acceptedLocales(header: string): Locale[] {
  return header
    .split(",")
    .slice(0, 20) // A hostile header cannot make us do much work.
    .map((entry, i) => {
      const [tag, ...params] = entry.split(";");
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { locale: base(tag), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((e): e is { locale: Locale; q: number; i: number } => !!e.locale && e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((e) => e.locale);
}

/**
 * @example
 * negotiateLocale(new URL("https://x/?lang=pl"), "lang=es", "en") // "pl"
 * negotiateLocale(new URL("https://x/"), "lang=es", "en")         // "es"
 * negotiateLocale(new URL("https://x/"), null, "pl-PL,pl;q=0.9")  // "pl"
 */
export function negotiateLocale(
  url: URL,
  cookieHeader: string | null | undefined,
  acceptLanguage: string | null | undefined,
): Locale {
  const fromQuery = url.searchParams.get("lang");
  if (isLocale(fromQuery)) return fromQuery;
  const fromCookie = readCookie(cookieHeader, "lang");
  if (isLocale(fromCookie)) return fromCookie;
  if (acceptLanguage) {
    const accepted = acceptedLocales(acceptLanguage);
    if (accepted.length) return accepted[0];
  }
  return "en";
}

/** One year, in seconds. */
const LANG_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

/**
 * The Set-Cookie value that remembers a language chosen with `?lang=`, or null when the URL
 * has no valid `lang`. Works without JavaScript: the switcher is plain links. `https`: the
 * client's scheme as the trusted proxies say it (`ctx.state.client.https`).
 */
export function langCookieFor(url: URL, https = url.protocol === "https:"): string | null {
  const lang = url.searchParams.get("lang");
  if (!isLocale(lang)) return null;
  const secure = https ? "; Secure" : "";
  return `lang=${lang}; Path=/; Max-Age=${LANG_COOKIE_MAX_AGE}; SameSite=Lax${secure}`;
}
