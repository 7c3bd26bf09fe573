/** Place → IANA zone and wall time → instant, with the split states and DST edges. */
import { inZone, zonedTime, zoneOf } from "@/lib/tracking/time_zones.ts";
import { firstScanDue, firstScanRecheckMs } from "@/lib/tracking/first_scan.ts";
import assert from "node:assert/strict";

Deno.test("zones: states, split-state ZIP prefixes, provinces and countries", () => {
  assert.deepEqual(zoneOf({ state: "TN", postal_code: "38118" }), "America/Chicago"); // Memphis
  assert.deepEqual(zoneOf({ state: "TN", postal_code: "37902" }), "America/New_York"); // Knoxville
  assert.deepEqual(zoneOf({ state: "TX", postal_code: "79901", country: "US" }), "America/Denver");
  assert.deepEqual(zoneOf({ state: "FL", postal_code: "32501" }), "America/Chicago"); // Pensacola
  assert.deepEqual(zoneOf({ state: "AZ" }), "America/Phoenix");
  assert.deepEqual(zoneOf({ state: "ON", country: "CA" }), "America/Toronto");
  assert.deepEqual(zoneOf({ state: "WA", country: "AU" }), "Australia/Perth");
  assert.deepEqual(zoneOf({ country: "PL" }), "Europe/Warsaw"); // one zone in CLDR
  assert.deepEqual(zoneOf({ country: "DE" }), "Europe/Berlin"); // main zone of several
  assert.deepEqual(zoneOf({ country: "ES" }), "Europe/Madrid");
  // Not enough to tell.
  assert.deepEqual(zoneOf({ country: "US" }), undefined);
  assert.deepEqual(zoneOf({ country: "CA" }), undefined);
  assert.deepEqual(zoneOf({ city: "Somewhere" }), undefined);
  assert.deepEqual(zoneOf({ state: "ZZ" }), undefined);
});

Deno.test("wall times: DST, the spring gap and the autumn overlap resolve deterministically", () => {
  assert.deepEqual(inZone("2024-01-15T10:00:00", "America/Chicago"), "2024-01-15T10:00:00-06:00");
  assert.deepEqual(inZone("2024-07-15T10:00", "America/Chicago"), "2024-07-15T10:00:00-05:00");
  assert.deepEqual(inZone("2024-03-10T02:30:00", "America/New_York"), "2024-03-10T02:30:00-04:00");
  assert.deepEqual(inZone("2024-11-03T01:30:00", "America/New_York"), "2024-11-03T01:30:00-04:00");
  assert.deepEqual(inZone("2024-06-01T12:00:00", "Asia/Kolkata"), "2024-06-01T12:00:00+05:30");
  // The carrier's own offset is kept; no place at all is marked, never guessed.
  assert.deepEqual(zonedTime("2024-01-15T10:00:00-07:00", [{ state: "NY" }]), {
    occurred_at: "2024-01-15T10:00:00-07:00",
  });
  assert.deepEqual(zonedTime("2024-01-15T10:00:00", [undefined, { country: "US" }]), {
    occurred_at: "2024-01-15T10:00:00Z",
    time_zone_unknown: true,
  });
  assert.deepEqual(zonedTime("2024-01-15T10:00:00", [{ country: "US" }, { state: "CA" }]), {
    occurred_at: "2024-01-15T10:00:00-08:00",
    time_zone: "America/Los_Angeles",
  });
});

Deno.test("first-scan schedule: soon for a new label, less often as it ages", () => {
  const now = new Date("2026-01-16T12:00:00Z");
  const ago = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  assert.deepEqual(firstScanRecheckMs(ago(0.5), now), 15 * 60_000);
  assert.deepEqual(firstScanRecheckMs(ago(5), now), 30 * 60_000);
  assert.deepEqual(firstScanRecheckMs(ago(48), now), 2 * 3_600_000);
  assert.deepEqual(firstScanRecheckMs(ago(24 * 7), now), 6 * 3_600_000);
  // Shipped "in the future" (a date-only ERP value) counts as new.
  assert.deepEqual(firstScanRecheckMs("2026-01-17T00:00:00Z", now), 15 * 60_000);
  assert.deepEqual(
    firstScanDue({ shipped_at: ago(24 * 7), last_refreshed_at: ago(1) }, now),
    false,
  );
  assert.deepEqual(firstScanDue({ shipped_at: ago(24 * 7), last_refreshed_at: ago(6) }, now), true);
  assert.deepEqual(firstScanDue({ shipped_at: ago(24 * 7) }, now), true);
});
