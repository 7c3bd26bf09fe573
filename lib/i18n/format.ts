/**
 * Dates, money and relative times through `Intl`, in the page's locale. Also imported by the
 * tracking timeline island, so it stays small and dependency-free.
 */
import type { Locale } from "@/lib/orders/model.ts";

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = cache.get(key) as T | undefined;
  if (!f) cache.set(key, f = make());
  return f;
}

/**
 * Formatted strings, remembered: ICU formatting is the costliest part of rendering a page of
 * orders, and the same dates and totals come back on every view. One table per format and
 * locale, keyed by the raw value: a concatenated key would cost a string flatten and hash
 * on every lookup. Bounded, cleared when full.
 */
const memo = new Map<string, Map<string, string>>();
const MEMO_MAX = 20_000;
let memoSize = 0;
function table(kind: string): Map<string, string> {
  let t = memo.get(kind);
  if (!t) memo.set(kind, t = new Map());
  return t;
}
function remember(t: Map<string, string>, key: string, make: () => string): string {
  let v = t.get(key);
  if (v === undefined) {
    if (memoSize >= MEMO_MAX) {
      for (const m of memo.values()) m.clear();
      memoSize = 0;
    }
    t.set(key, v = make());
    memoSize++;
  }
  return v;
}

/**
 * A calendar date ("2026-01-14") or timestamp as the wall-clock time where it happened.
 * Carrier events carry the local offset of the scan ("2026-01-15T10:30:00-05:00"): the
 * customer expects "10:30 AM" as the carrier shows it, not converted to the server's zone.
 */
export function wallClock(iso: string): Date | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return new Date(`${iso}T00:00:00Z`);
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  if (!m) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  // Reading the local part as UTC and formatting in UTC shows the local wall clock.
  const d = new Date(`${m[1]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function dateFormat(
  locale: Locale,
  style: "long" | "short" | "time" | "dateTime" | "shortDateTime" | "weekday" | "moment",
) {
  const opts: Intl.DateTimeFormatOptions = { timeZone: "UTC" };
  if (style !== "time") Object.assign(opts, { month: "short", day: "numeric" });
  if (style === "long" || style === "dateTime") opts.year = "numeric";
  if (style === "time" || style === "dateTime" || style === "shortDateTime") {
    Object.assign(opts, { hour: "2-digit", minute: "2-digit" });
  }
  if (style === "weekday") opts.weekday = "long";
  if (style === "moment") Object.assign(opts, { hour: "numeric", minute: "2-digit" });
  return cached(`d:${locale}:${style}`, () => new Intl.DateTimeFormat(locale, opts));
}

type DateStyle = Parameters<typeof dateFormat>[1];
const dateTables: Record<DateStyle, Partial<Record<Locale, Map<string, string>>>> = {
  long: {},
  short: {},
  time: {},
  dateTime: {},
  shortDateTime: {},
  weekday: {},
  moment: {},
};
const moneyTables: Partial<Record<Locale, Map<string, Map<string, string>>>> = {};

/**
 * One date in one style, not remembered: for the timeline island, which formats a handful
 * of events and must not carry the page renderer's memo tables in its bundle.
 */
export function formatWallDate(locale: Locale, iso: string, style: DateStyle): string {
  const d = wallClock(iso);
  return d ? dateFormat(locale, style).format(d) : iso;
}

function fmt(locale: Locale, iso: string | undefined, style: DateStyle) {
  if (!iso) return "";
  return remember(
    dateTables[style][locale] ??= table(`${style}|${locale}`),
    iso,
    () => formatWallDate(locale, iso, style),
  );
}

/** "Jan 14, 2026" · "14 ene 2026" · "14 sty 2026" */
export const formatDate = (locale: Locale, iso?: string) => fmt(locale, iso, "long");
/** "Jan 14" · "14 ene" · "14 sty" */
export const formatShortDate = (locale: Locale, iso?: string) => fmt(locale, iso, "short");
/** "10:30 AM" · "10:30" */
export const formatTime = (locale: Locale, iso?: string) => fmt(locale, iso, "time");
/** "Jan 15, 10:30 AM" (timeline rows) */
export const formatShortDateTime = (locale: Locale, iso?: string) =>
  fmt(locale, iso, "shortDateTime");

/** "Sunday, Jan 18" · "domingo, 18 ene" · "niedziela, 18 sty" (status lines) */
export const formatDayDate = (locale: Locale, iso?: string) => fmt(locale, iso, "weekday");
/** "Jan 14, 2:05 PM" · "14 ene, 14:05" (a delivery's moment, as the carrier's place saw it) */
export const formatMoment = (locale: Locale, iso?: string) => fmt(locale, iso, "moment");

/**
 * Money from an exact decimal string with the order's currency: "$8,450.00", "8450,00 US$".
 * `Intl.NumberFormat` formats decimal strings without passing through a float.
 */
export function formatMoney(locale: Locale, amount: string, currency: string): string {
  const byCurrency = moneyTables[locale] ??= new Map();
  let t = byCurrency.get(currency);
  if (!t) byCurrency.set(currency, t = table(`m|${locale}|${currency}`));
  return remember(t, amount, () =>
    moneyFormat(locale, currency).format(
      // deno-lint-ignore no-explicit-any
      amount as any,
    ));
}

function moneyFormat(locale: Locale, currency: string): Intl.NumberFormat {
  return cached(`m:${locale}:${currency}`, () => {
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency });
    } catch {
      // An unknown currency code still shows the exact amount.
      return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  }) as Intl.NumberFormat;
}

/** A whole count in the locale ("137", "10,000", "10 000"): list totals and ranges. */
export function formatCount(locale: Locale, n: number): string {
  const f = cached(`c:${locale}`, () => new Intl.NumberFormat(locale)) as Intl.NumberFormat;
  return f.format(n);
}

/** A decimal quantity in the locale ("200", "12,5"), exact. */
export function formatQuantity(locale: Locale, qty: string): string {
  const f = cached(
    `q:${locale}`,
    () => new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }),
  ) as Intl.NumberFormat;
  // deno-lint-ignore no-explicit-any
  return f.format(qty as any);
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** "30m ago" · "hace 30 min" · "30 min temu"; "just now" under a minute. */
export function formatRelative(locale: Locale, iso: string, now: Date): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "";
  const seconds = Math.round((then - now.getTime()) / 1000);
  const f = cached(
    `r:${locale}`,
    () => new Intl.RelativeTimeFormat(locale, { style: "narrow", numeric: "auto" }),
  ) as Intl.RelativeTimeFormat;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return f.format(Math.trunc(seconds / size), unit);
  }
  return f.format(0, "second");
}

/** A unit price, exact to its 4 decimals ("$0.1234", "$18.50"): never rounded to cents. */
export function formatUnitPrice(locale: Locale, amount: string, currency: string): string {
  const f = cached(`u:${locale}:${currency}`, () => {
    try {
      return new Intl.NumberFormat(locale, {
        style: "currency",
        currency,
        minimumFractionDigits: 2,
        maximumFractionDigits: 4,
      });
    } catch {
      return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
    }
  }) as Intl.NumberFormat;
  // deno-lint-ignore no-explicit-any
  return f.format(amount as any);
}
