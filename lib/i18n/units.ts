/**
 * Units of measure as the customer's language writes them: the common unit codes an ERP sends
 * (box, bag, case, pallet, kg, piece, with their usual spellings and abbreviations) are named
 * in en/es/pl with the plural the quantity takes (`Intl.PluralRules`: "1 box", "200 boxes";
 * "2 worki", "5 worków", "1,5 worka"); any other unit is shown as sent. Used by the order page
 * and the PDFs alike, so both say the same.
 */
import type { Locale } from "@/lib/orders/model.ts";
import { defineMessages, pluralForm } from "./messages.ts";

export const UNIT_CODES = ["box", "bag", "case", "pallet", "kg", "piece"] as const;
export type UnitCode = typeof UNIT_CODES[number];

/** Spellings ERPs use for each unit (lower case, without a final dot). */
const ALIASES: Record<string, UnitCode> = {
  box: "box",
  boxes: "box",
  bx: "box",
  bag: "bag",
  bags: "bag",
  bg: "bag",
  case: "case",
  cases: "case",
  cs: "case",
  pallet: "pallet",
  pallets: "pallet",
  plt: "pallet",
  pal: "pallet",
  kg: "kg",
  kgs: "kg",
  kilo: "kg",
  kilos: "kg",
  kilogram: "kg",
  kilograms: "kg",
  piece: "piece",
  pieces: "piece",
  pc: "piece",
  pcs: "piece",
  ea: "piece",
  each: "piece",
};

/**
 * Each unit's forms. Polish needs one/few/many, and `other` for fractions ("1,5 worka");
 * Spanish and English one/other. "kg" is a symbol and never changes.
 */
export const unitMessages = defineMessages("units", {
  en: {
    box: { one: "box", other: "boxes" },
    bag: { one: "bag", other: "bags" },
    case: { one: "case", other: "cases" },
    pallet: { one: "pallet", other: "pallets" },
    kg: "kg",
    piece: { one: "piece", other: "pieces" },
  },
  es: {
    box: { one: "caja", other: "cajas" },
    bag: { one: "bolsa", other: "bolsas" },
    case: { one: "bulto", other: "bultos" },
    pallet: { one: "palé", other: "palés" },
    kg: "kg",
    piece: { one: "unidad", other: "unidades" },
  },
  pl: {
    box: { one: "pudełko", few: "pudełka", many: "pudełek", other: "pudełka" },
    bag: { one: "worek", few: "worki", many: "worków", other: "worka" },
    case: { one: "karton", few: "kartony", many: "kartonów", other: "kartonu" },
    pallet: { one: "paleta", few: "palety", many: "palet", other: "palety" },
    kg: "kg",
    piece: { one: "sztuka", few: "sztuki", many: "sztuk", other: "sztuki" },
  },
});

/** The unit code a spelling stands for (`"Boxes"`, `"CS"`, `"pcs."`), or undefined. */
export function unitCode(uom: string): UnitCode | undefined {
  return ALIASES[uom.trim().toLowerCase().replace(/\.$/, "")];
}

/**
 * The unit's name for this quantity in `locale`: `unitName("pl", "5", "bags")` → "worków";
 * an unknown unit comes back as sent (`"tins"`).
 */
export function unitName(locale: Locale, qty: string, uom: string): string {
  const code = unitCode(uom);
  if (!code) return uom;
  const msg = unitMessages.catalogue[locale][code];
  if (typeof msg === "string") return msg;
  // The plural rule reads the decimal string as a number: "12.5" → other, "5" → many (pl).
  const n = Number(qty);
  return pluralForm(locale, msg, { count: Number.isFinite(n) ? n : 0 });
}

/**
 * A quantity with its unit, the number already formatted by the caller for its locale:
 * `withUnit("pl", "200", "200", "boxes")` → "200 pudełek"; no unit → the number alone.
 */
export function withUnit(locale: Locale, qty: string, formatted: string, uom?: string): string {
  return uom ? `${formatted}\u00a0${unitName(locale, qty, uom)}` : formatted;
}
