import fc from "fast-check";
import assert from "node:assert/strict";
import {
  computeTotals,
  lineTotal,
  normalizePrice,
  PriceString,
  QuantityString,
  sumMoney,
  toMoney,
} from "@/lib/orders/money.ts";

Deno.test("line totals are exact decimals, never floats", () => {
  assert.deepEqual(lineTotal("3", "0.1"), "0.30");
  assert.deepEqual(lineTotal("200", "18.50"), "3700.00");
  assert.deepEqual(lineTotal("150", "12.30"), "1845.00");
  assert.deepEqual(lineTotal("100", "29.05"), "2905.00");
  assert.deepEqual(lineTotal("12.5", "18.55"), "231.88"); // 231.875 rounds half-up
  assert.deepEqual(lineTotal("999999999.999", "999999999999.9999"), "999999999998999900000.00");
  assert.deepEqual(sumMoney(["0.10", "0.20"]), "0.30");
  assert.deepEqual(toMoney("1e3"), "1000.00");
  assert.deepEqual(["18.5", "0.1234", "007", "1.10"].map(normalizePrice), [
    "18.50",
    "0.1234",
    "7.00",
    "1.10",
  ]);
});

Deno.test("the wireframe's order adds up to $8,450.00", () => {
  const t = computeTotals({
    lines: [
      { qty_ordered: "200", unit_price: "18.50" },
      { qty_ordered: "150", unit_price: "12.30" },
      { qty_ordered: "100", unit_price: "29.05" },
    ],
  });
  assert.deepEqual(t, {
    line_totals: ["3700.00", "1845.00", "2905.00"],
    subtotal: "8450.00",
    tax: "0.00",
    total: "8450.00",
  });
  const withExtras = computeTotals({
    lines: [{ qty_ordered: "1", unit_price: "1" }],
    tax: "0.1",
    shipping: "2",
  });
  assert.deepEqual(withExtras.shipping, "2.00");
  assert.deepEqual(withExtras.total, "3.10");
});

Deno.test("validators accept decimal strings and reject everything else", () => {
  for (const ok of ["200", "12.5", "0.001"]) {
    assert.deepEqual(QuantityString.safeParse(ok).success, true, ok);
  }
  for (const bad of ["0", "-1", "1e3", "1.2345", " 1", "", "NaN", "1,5"]) {
    assert.deepEqual(QuantityString.safeParse(bad).success, false, bad);
  }
  for (const bad of ["-1.00", "1.23456", "Infinity", "0x10"]) {
    assert.deepEqual(PriceString.safeParse(bad).success, false, bad);
  }
});

// Independent oracle: scaled BigInt arithmetic (qty × 1000, price × 10000 → 10^-7 units).
function oracleLine(qty: string, price: string): bigint {
  const scale = (s: string, dp: number) => {
    const [i, f = ""] = s.split(".");
    return BigInt(i + f.padEnd(dp, "0"));
  };
  const product = scale(qty, 3) * scale(price, 4); // in units of 10^-7
  const cents = product / 100000n;
  const rest = product % 100000n;
  return rest >= 50000n ? cents + 1n : cents; // half-up
}
const cents = (s: string) => BigInt(s.replace(".", ""));

const qtyArb = fc.tuple(
  fc.integer({ min: 0, max: 99999 }),
  fc.integer({ min: 0, max: 999 }),
  fc.boolean(),
)
  .filter(([i, f]) => i > 0 || f > 0)
  .map((
    [i, f, frac],
  ) => (frac && f > 0 ? `${i}.${String(f).padStart(3, "0")}` : `${Math.max(i, 1)}`));
const priceArb = fc.tuple(fc.integer({ min: 0, max: 9999999 }), fc.integer({ min: 0, max: 9999 }))
  .map(([i, f]) => `${i}.${String(f).padStart(4, "0")}`);

Deno.test("property: each line total matches the integer oracle and lines sum to the subtotal exactly", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ qty_ordered: qtyArb, unit_price: priceArb }), {
        minLength: 1,
        maxLength: 30,
      }),
      fc.option(fc.integer({ min: 0, max: 10_000_000 })),
      (lines, taxCents) => {
        const tax = taxCents === null ? undefined : (taxCents / 100).toFixed(2);
        const t = computeTotals({ lines, tax });
        lines.forEach((l, i) =>
          assert.deepEqual(cents(t.line_totals[i]), oracleLine(l.qty_ordered, l.unit_price))
        );
        const sum = t.line_totals.reduce((a, v) => a + cents(v), 0n);
        assert.deepEqual(cents(t.subtotal), sum);
        assert.deepEqual(cents(t.total), sum + (tax ? cents(tax) : 0n));
      },
    ),
    { numRuns: 300 },
  );
});
