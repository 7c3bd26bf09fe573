/**
 * Money, quantities and dates as the customer's locale writes them. Amounts are decimal
 * strings and are handed to Intl as strings, which formats them exactly (no float rounding).
 */
import { withUnit } from "@/lib/i18n/units.ts";
import type { Locale } from "@/lib/orders/model.ts";

const INTL_LOCALE: Record<Locale, string> = { en: "en-US", es: "es-ES", pl: "pl-PL" };

const moneyFormats = new Map<string, Intl.NumberFormat>();
const qtyFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

type DecimalInput = Parameters<Intl.NumberFormat["format"]>[0];

/** `formatMoney("8450.00", "USD", "en")` → "$8,450.00". */
export function formatMoney(amount: string, currency: string, locale: Locale): string {
  const key = `${locale}|${currency}`;
  let fmt = moneyFormats.get(key);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat(INTL_LOCALE[locale], { style: "currency", currency });
    } catch {
      // An unknown currency code must not break a document: print the code beside the number.
      return `${formatNumber(amount, locale, 2)} ${currency}`;
    }
    moneyFormats.set(key, fmt);
  }
  return fmt.format(amount as unknown as DecimalInput);
}

function formatNumber(value: string, locale: Locale, minFraction = 0): string {
  const key = `${locale}|${minFraction}`;
  let fmt = qtyFormats.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(INTL_LOCALE[locale], {
      minimumFractionDigits: minFraction,
      maximumFractionDigits: 20,
    });
    qtyFormats.set(key, fmt);
  }
  return fmt.format(value as unknown as DecimalInput);
}

/**
 * `formatQty("12.5", "kg", "pl")` → "12,5 kg"; common unit codes in the document's language
 * and plural (`formatQty("5", "bags", "pl")` → "5 worków"), other units as sent.
 */
export function formatQty(qty: string, uom: string | undefined, locale: Locale): string {
  return withUnit(locale, qty, formatNumber(qty, locale), uom).replace(/\u00a0/g, " ");
}

/** A calendar date (YYYY-MM-DD) or ISO time shown as a date, e.g. "Jan 14, 2026". */
export function formatDate(date: string, locale: Locale): string {
  let fmt = dateFormats.get(locale);
  if (!fmt) {
    // UTC so a YYYY-MM-DD date never shifts a day with the server's time zone.
    fmt = new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: "medium", timeZone: "UTC" });
    dateFormats.set(locale, fmt);
  }
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date);
  return Number.isNaN(d.getTime()) ? date : fmt.format(d);
}
