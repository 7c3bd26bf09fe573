/** Carrier names as ERPs send them: the one table, manual carriers as sent, one-line names. */
import { carrierFromName } from "@/lib/orders/carrier_names.ts";
import { ShipmentInput } from "@/lib/orders/input.ts";
import assert from "node:assert/strict";
import fc from "fast-check";

const shippedAt = "2026-01-15T10:30:00-05:00";

Deno.test("FedEx, UPS and USPS in any case and their common names are tracked", () => {
  const cases: [string, string, string | undefined][] = [
    ["fedex", "fedex", undefined],
    ["FedEx", "fedex", undefined],
    ["FEDEX", "fedex", undefined],
    ["FedEx Freight", "fedex", "FedEx Freight"],
    ["FedEx Ground", "fedex", "FedEx Ground"],
    ["Fed-Ex Home Delivery", "fedex", "Fed-Ex Home Delivery"],
    ["Federal Express", "fedex", "Federal Express"],
    ["  FedEx Express  ", "fedex", "FedEx Express"],
    ["UPS", "ups", undefined],
    ["ups", "ups", undefined],
    ["United Parcel Service", "ups", "United Parcel Service"],
    ["UPS Ground", "ups", "UPS Ground"],
    ["USPS", "usps", undefined],
    ["U.S. Postal Service", "usps", "U.S. Postal Service"],
    ["United States Postal Service", "usps", "United States Postal Service"],
    ["usps priority mail", "usps", "usps priority mail"],
    // Ours, as before.
    ["manual", "manual", undefined],
    ["sandbox", "sandbox", undefined],
    // Any other carrier is manual, shown as sent; UPS Freight is TForce Freight since 2021.
    ["Acme Freight", "manual", "Acme Freight"],
    ["DHL Express", "manual", "DHL Express"],
    ["UPS Freight", "manual", "UPS Freight"],
    ["Poczta Polska", "manual", "Poczta Polska"],
  ];
  for (const [sent, carrier, name] of cases) {
    assert.deepEqual(carrierFromName(sent), {
      carrier,
      ...(name ? { carrier_name: name } : {}),
    }, sent);
    const parsed = ShipmentInput.parse({ carrier: sent, shipped_at: shippedAt });
    assert.deepEqual([parsed.carrier, parsed.carrier_name], [carrier, name], sent);
  }
});

Deno.test("an explicit carrier_name is the name shown; the carrier name picks the API", () => {
  const a = ShipmentInput.parse({
    carrier: "fedex",
    carrier_name: "FedEx Freight",
    shipped_at: shippedAt,
  });
  assert.deepEqual([a.carrier, a.carrier_name], ["fedex", "FedEx Freight"]);
  const b = ShipmentInput.parse({
    carrier: "Acme Freight",
    carrier_name: "Acme",
    shipped_at: shippedAt,
  });
  assert.deepEqual([b.carrier, b.carrier_name], ["manual", "Acme"]);
});

Deno.test("carrier and display names are one bounded line without control characters", () => {
  const bad = [
    "",
    "   ",
    "x".repeat(61),
    "FedEx\nBcc: x@example.com",
    "Acme\tFreight",
    "Acme\u0000",
    "Acme\u2028Freight",
    "\u202eAcme",
    "---",
  ];
  for (const carrier of bad) {
    const r = ShipmentInput.safeParse({ carrier, shipped_at: shippedAt });
    assert(!r.success, JSON.stringify(carrier));
    const n = ShipmentInput.safeParse({
      carrier: "fedex",
      carrier_name: carrier,
      shipped_at: shippedAt,
    });
    assert(!n.success, `carrier_name ${JSON.stringify(carrier)}`);
  }
  for (const carrier of [7, null, ["fedex"], { name: "fedex" }]) {
    assert(!ShipmentInput.safeParse({ carrier, shipped_at: shippedAt }).success);
  }
  // Letters of any script are fine.
  assert.deepEqual(
    ShipmentInput.parse({ carrier: "Correos Exprés", shipped_at: shippedAt }).carrier_name,
    "Correos Exprés",
  );
});

Deno.test("property: any accepted carrier name is stored as one trimmed line, or refused", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80, unit: "grapheme-composite" }), (carrier) => {
      const r = ShipmentInput.safeParse({ carrier, shipped_at: shippedAt });
      if (!r.success) return;
      const name = r.data.carrier_name ?? r.data.carrier;
      assert(name.length >= 1 && name.length <= 60);
      assert.deepEqual(name, name.trim());
      assert(!/[\p{Cc}\p{Zl}\p{Zp}]/u.test(name));
    }),
    { numRuns: 500 },
  );
});
