import assert from "node:assert/strict";
import { defineMessages, interpolate, keyParityProblems } from "@/lib/i18n/messages.ts";
import { langCookieFor, negotiateLocale, readCookie } from "@/lib/i18n/negotiate.ts";
import {
  formatDate,
  formatMoney,
  formatQuantity,
  formatRelative,
  formatShortDate,
  formatShortDateTime,
} from "@/lib/i18n/format.ts";
import { pageMessages } from "@/lib/pages/messages.ts";

const u = (q = "") => new URL(`https://portal.example/customer/x${q}`);

Deno.test("negotiateLocale: ?lang= wins over cookie and Accept-Language", () => {
  assert.deepEqual(negotiateLocale(u("?lang=pl"), "lang=es", "en-US"), "pl");
});

Deno.test("negotiateLocale: cookie wins over Accept-Language", () => {
  assert.deepEqual(negotiateLocale(u(), "a=1; lang=es; b=2", "pl-PL,pl;q=0.9"), "es");
});

Deno.test("negotiateLocale: Accept-Language by q, regional tags reduced to their language", () => {
  assert.deepEqual(negotiateLocale(u(), null, "pl-PL,pl;q=0.9,en;q=0.8"), "pl");
  assert.deepEqual(negotiateLocale(u(), null, "de-DE, en;q=0.5, es-MX;q=0.9"), "es");
  assert.deepEqual(negotiateLocale(u(), null, "fr, es;q=0"), "en");
});

Deno.test("negotiateLocale: invalid values fall through to the next source, then en", () => {
  assert.deepEqual(negotiateLocale(u("?lang=de"), "lang=xx", "es"), "es");
  assert.deepEqual(negotiateLocale(u("?lang="), "lang=", ""), "en");
  assert.deepEqual(negotiateLocale(u(), undefined, undefined), "en");
  assert.deepEqual(negotiateLocale(u(), "lang", ";;;="), "en");
});

Deno.test("readCookie finds one cookie among several", () => {
  assert.deepEqual(readCookie("x=1; lang=pl", "lang"), "pl");
  assert.deepEqual(readCookie("xlang=pl", "lang"), undefined);
});

Deno.test("langCookieFor: SameSite=Lax, Path=/, one year; null without a valid ?lang", () => {
  assert.deepEqual(
    langCookieFor(new URL("http://localhost/customer/t?lang=es")),
    "lang=es; Path=/; Max-Age=31536000; SameSite=Lax",
  );
  assert.deepEqual(
    langCookieFor(new URL("https://portal.example/?lang=pl")),
    "lang=pl; Path=/; Max-Age=31536000; SameSite=Lax; Secure",
  );
  assert.deepEqual(langCookieFor(new URL("https://portal.example/?lang=de")), null);
  assert.deepEqual(langCookieFor(new URL("https://portal.example/")), null);
});

Deno.test("plurals: Polish one/few/many, English and Spanish one/other", () => {
  const t = pageMessages.t;
  const pl = [1, 2, 3, 4, 5, 12, 21, 22, 25, 0].map((count) => t("pl", "items.count", { count }));
  assert.deepEqual(pl, [
    "1 pozycja",
    "2 pozycje",
    "3 pozycje",
    "4 pozycje",
    "5 pozycji",
    "12 pozycji",
    "21 pozycji",
    "22 pozycje",
    "25 pozycji",
    "0 pozycji",
  ]);
  assert.deepEqual(t("en", "items.count", { count: 1 }), "1 item");
  assert.deepEqual(t("en", "items.count", { count: 12 }), "12 items");
  assert.deepEqual(t("es", "items.count", { count: 1 }), "1 artículo");
  assert.deepEqual(t("es", "items.count", { count: 8 }), "8 artículos");
});

Deno.test("interpolation fills {name} and leaves unknown placeholders visible", () => {
  assert.deepEqual(interpolate("Hi {name}, {x}", { name: "Ana" }), "Hi Ana, {x}");
  const m = defineMessages("test.interp", {
    en: { hello: "Hello {name}" },
    es: { hello: "Hola {name}" },
    pl: { hello: "Cześć {name}" },
  });
  assert.deepEqual(m.t("es", "hello", { name: "Ana" }), "Hola Ana");
  assert.deepEqual(m.bind("pl")("hello", { name: "Ola" }), "Cześć Ola");
});

Deno.test("keyParityProblems names each missing key", () => {
  assert.deepEqual(
    keyParityProblems({ en: { a: "", b: "" }, es: { a: "" }, pl: { a: "", b: "", c: "" } }),
    ['en lacks "c"', 'es lacks "b"', 'es lacks "c"'],
  );
});

Deno.test("dates: long, short and timeline formats per locale", () => {
  assert.deepEqual(formatDate("en", "2026-01-14"), "Jan 14, 2026");
  assert.deepEqual(formatDate("es", "2026-01-14"), "14 ene 2026");
  assert.deepEqual(formatDate("pl", "2026-01-14"), "14 sty 2026");
  assert.deepEqual(formatShortDate("en", "2026-01-14"), "Jan 14");
  // Carrier scans show the wall-clock time of the place they happened.
  assert.deepEqual(formatShortDateTime("en", "2026-01-15T10:30:00-05:00"), "Jan 15, 10:30 AM");
  assert.deepEqual(formatShortDateTime("pl", "2026-01-15T16:15:00-05:00"), "15 sty, 16:15");
  assert.deepEqual(formatDate("en", "not a date"), "not a date");
});

Deno.test("money: exact decimal strings in the order currency", () => {
  assert.deepEqual(formatMoney("en", "8450.00", "USD"), "$8,450.00");
  assert.deepEqual(formatMoney("en", "12345678901234.50", "USD"), "$12,345,678,901,234.50");
  assert.deepEqual(formatMoney("pl", "8450.00", "PLN").replace(/\s/g, " "), "8450,00 zł");
  assert.deepEqual(formatMoney("es", "5230.00", "EUR").replace(/\s/g, " "), "5230,00 €");
  assert.deepEqual(formatQuantity("es", "12.5"), "12,5");
});

Deno.test("relative time: 30m ago, localized", () => {
  const now = new Date("2026-01-16T12:00:00Z");
  assert.deepEqual(formatRelative("en", "2026-01-16T11:30:00Z", now), "30m ago");
  assert.deepEqual(formatRelative("es", "2026-01-16T11:30:00Z", now), "hace 30 min");
  assert.deepEqual(formatRelative("pl", "2026-01-16T11:30:00Z", now), "30 min temu");
  assert.deepEqual(formatRelative("en", "2026-01-14T12:00:00Z", now), "2d ago");
});
