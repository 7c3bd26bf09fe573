import { checkTrackingNumber } from "@/lib/tracking/check_digits.ts";
import assert from "node:assert/strict";

// Every number listed in carriers.md §7, with the outcome the rules there give.

Deno.test("UPS 1Z: the official CIE and spec numbers pass; legacy XML-guide number warns", () => {
  for (
    const n of [
      "1ZCIETST0111111114",
      "1ZCIETST0422222228",
      "1Z023E2X0214323462",
      "1Z204W4R0308071865",
    ]
  ) {
    const r = checkTrackingNumber("ups", n);
    assert.deepEqual(
      [r.format, r.accepted, r.checkDigitValid, r.warnings],
      ["ups_1z", true, true, []],
      n,
    );
  }
  const legacy = checkTrackingNumber("ups", "1Z12345E0205271688");
  assert.deepEqual([legacy.accepted, legacy.checkDigitValid], [true, false]);
  assert.deepEqual(legacy.warnings.length, 1);
  // A typo in a good number flips the check digit but, for UPS, only warns.
  assert.deepEqual(checkTrackingNumber("ups", "1Z023E2X0214323463").checkDigitValid, false);
});

Deno.test("UPS: spaces and lower case are normalised; garbage is rejected", () => {
  const r = checkTrackingNumber("ups", " 1z 023e2x 02 1432 3462 ");
  assert.deepEqual(r.normalized, "1Z023E2X0214323462");
  assert.deepEqual(r.checkDigitValid, true);
  assert.deepEqual(checkTrackingNumber("ups", "abc").accepted, false);
  assert.deepEqual(checkTrackingNumber("ups", "1Z<script>").accepted, false);
  // A non-1Z UPS number (e.g. mail innovations) is plausible: accepted with a warning.
  const other = checkTrackingNumber("ups", "92748999984444000000000");
  assert.deepEqual([other.format, other.accepted, other.warnings.length], ["unknown", true, 1]);
});

Deno.test("FedEx Express 12 digits: 3,1,7 mod 11", () => {
  for (const n of ["128667043726", "797806677146", "568838414941", "797615467620"]) {
    const r = checkTrackingNumber("fedex", n);
    assert.deepEqual(
      [r.format, r.checkDigitValid, r.accepted],
      ["fedex_express_12", true, true],
      n,
    );
  }
  // The sandbox not-found number fails the check digit yet must still reach FedEx.
  const nf = checkTrackingNumber("fedex", "647719948679");
  assert.deepEqual([nf.checkDigitValid, nf.accepted, nf.warnings.length], [false, true, 1]);
});

Deno.test("FedEx Ground 15 digits: every mock number passes 1,3 mod 10", () => {
  const mocks = [
    "122816215025810",
    "449044304137821",
    "231300687629630",
    "377101283611590",
    "076288115212522",
    "843119172384577",
    "149331877648230",
    "020207021381215",
    "403934084723025",
    "920241085725456",
    "039813852990618",
    "852426136339213",
    "957794015041323",
    "070358180009382",
  ];
  for (const n of mocks) {
    const r = checkTrackingNumber("fedex", n);
    assert.deepEqual([r.format, r.checkDigitValid], ["fedex_ground_15", true], n);
  }
  const bad = checkTrackingNumber("fedex", "122816215025811");
  assert.deepEqual([bad.checkDigitValid, bad.accepted], [false, true]);
});

Deno.test("FedEx Ground 96 (22 digits) checks the 14-digit serial; SmartPost 20 warns", () => {
  const ok = checkTrackingNumber("fedex", "9611020123456789012343");
  assert.deepEqual([ok.format, ok.checkDigitValid], ["fedex_ground_96", true]);
  assert.deepEqual(checkTrackingNumber("fedex", "9611020123456789012344").checkDigitValid, false);
  const sp = checkTrackingNumber("fedex", "61292701078443410536");
  assert.deepEqual([sp.format, sp.checkDigitValid, sp.accepted], [
    "fedex_smartpost_20",
    false,
    true,
  ]);
});

Deno.test("USPS IMpb: valid 22 and 26 digits pass; a bad check digit is rejected", () => {
  const r22 = checkTrackingNumber("usps", "9400 1091 0425 0532 9085 87");
  assert.deepEqual([r22.format, r22.checkDigitValid, r22.accepted], ["usps_impb_22", true, true]);
  const r26 = checkTrackingNumber("usps", "92419900000033499522966220");
  assert.deepEqual([r26.format, r26.checkDigitValid, r26.accepted], ["usps_impb_26", true, true]);
  const bad = checkTrackingNumber("usps", "9400109104250532908588");
  assert.deepEqual([bad.accepted, bad.checkDigitValid], [false, false]);
  assert(bad.error?.includes("check digit"));
  // The FedEx SmartPost number is 20 digits but fails the USPS rule.
  assert.deepEqual(checkTrackingNumber("usps", "61292701078443410536").accepted, false);
});

Deno.test("USPS: a 420+ZIP routing prefix (5 or 9 digit ZIP) is stripped before checking", () => {
  const zip5 = checkTrackingNumber("usps", "42010001" + "9400109104250532908587");
  assert.deepEqual([zip5.normalized, zip5.checkDigitValid], ["9400109104250532908587", true]);
  const zip9 = checkTrackingNumber("usps", "420100011234" + "9400109104250532908587");
  assert.deepEqual([zip9.normalized, zip9.checkDigitValid], ["9400109104250532908587", true]);
  const zip5of26 = checkTrackingNumber("usps", "42010001" + "92419900000033499522966220");
  assert.deepEqual(zip5of26.normalized, "92419900000033499522966220");
});

Deno.test("S10 international: EA123456785US passes, a wrong check digit is rejected", () => {
  const ok = checkTrackingNumber("usps", "EA123456785US");
  assert.deepEqual([ok.format, ok.checkDigitValid, ok.accepted], ["s10", true, true]);
  const bad = checkTrackingNumber("usps", "EA123456784US");
  assert.deepEqual([bad.format, bad.accepted], ["s10", false]);
});

Deno.test("manual and sandbox numbers are free text but still bounded", () => {
  assert.deepEqual(checkTrackingNumber("manual", "PRO-12345").accepted, true);
  assert.deepEqual(checkTrackingNumber("sandbox", "SBX1").accepted, true);
  assert.deepEqual(checkTrackingNumber("manual", "a/b").accepted, false);
});
