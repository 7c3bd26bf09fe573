/**
 * Exact decimal money arithmetic (decimal.js): quantities and prices arrive as decimal
 * strings and every amount the portal shows is computed here, never with floats.
 *
 * Rounding rule (documented in the README): each line total is qty × unit_price rounded
 * half-up to cents, as printed on an invoice; the subtotal is the exact sum of the rounded
 * line totals, so the lines a customer sees always add up to the subtotal they see.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";

// A private constructor so nobody else's Decimal settings can change our results.
const D = Decimal.clone({
  precision: 60,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
});

/** Quantities: up to 9 integer digits and 3 decimals, greater than zero ("200", "12.5"). */
export const QuantityString = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,3})?$/, 'Use a decimal string such as "200" or "12.5".')
  // Safe on any string: zod runs refinements even after a failed regex.
  .refine((s) => /[1-9]/.test(s), "Must be greater than zero.");

/** Unit prices: up to 12 integer digits and 4 decimals, zero or more ("18.50", "0.1234"). */
export const PriceString = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,4})?$/, 'Use a decimal string such as "18.50".');

/** Whole amounts (tax, shipping): up to 12 integer digits and 2 decimals ("0.00", "12.30"). */
export const AmountString = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,2})?$/, 'Use a decimal string with at most 2 decimals, such as "0.00".');

/** Formats an exact decimal as a 2-dp money string ("8450.00"), rounding half-up. */
export function toMoney(value: Decimal.Value): string {
  return new D(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
}

/** qty × unit_price, rounded half-up to cents. */
export function lineTotal(qty: string, unitPrice: string): string {
  return toMoney(new D(qty).times(new D(unitPrice)));
}

/** Sums 2-dp money strings exactly. */
export function sumMoney(values: readonly string[]): string {
  return toMoney(values.reduce((acc, v) => acc.plus(new D(v)), new D(0)));
}

/** Normalises a price: at least 2 decimals, more only when sent ("18.5" → "18.50", "0.1234"). */
export function normalizePrice(value: string): string {
  const d = new D(value);
  return d.toFixed(Math.max(2, d.decimalPlaces()));
}

/** Normalises a quantity: "012.50" → "12.5", "200.000" → "200". */
export function normalizeDecimal(value: string): string {
  return new D(value).toFixed();
}

export interface TotalsInput {
  lines: ReadonlyArray<{ qty_ordered: string; unit_price: string }>;
  tax?: string;
  shipping?: string;
}

export interface Totals {
  line_totals: string[];
  subtotal: string;
  tax: string;
  /** Absent when no shipping amount was sent ("Included"). */
  shipping?: string;
  total: string;
}

/** Computes every amount of an order from its lines; never trusts totals a client sends. */
export function computeTotals(input: TotalsInput): Totals {
  const line_totals = input.lines.map((l) => lineTotal(l.qty_ordered, l.unit_price));
  const subtotal = sumMoney(line_totals);
  const tax = toMoney(input.tax ?? "0");
  const shipping = input.shipping === undefined ? undefined : toMoney(input.shipping);
  const total = sumMoney([subtotal, tax, shipping ?? "0"]);
  return shipping === undefined
    ? { line_totals, subtotal, tax, total }
    : { line_totals, subtotal, tax, shipping, total };
}
