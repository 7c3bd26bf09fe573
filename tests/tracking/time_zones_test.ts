/** Place → IANA zone and wall time → instant, with the split states and DST edges. */
import { inZone, zonedTime, zoneOf } from "@/lib/tracking/time_zones.ts";
import { firstScanDue, firstScanRecheckMs } from "@/lib/tracking/first_scan.ts";
import { assertEquals } from "@/tests/helpers/assert.ts";

Deno.test("zones: states, split-state ZIP prefixes, provinces and countries", () => {
  assertEquals(zoneOf({ state: "TN", postal_code: "38118" }), "America/Chicago"); // Memphis
  assertEquals(zoneOf({ state: "TN", postal_code: "37902" }), "America/New_York"); // Knoxville
  assertEquals(zoneOf({ state: "TX", postal_code: "79901", country: "US" }), "America/Denver");
  assertEquals(zoneOf({ state: "FL", postal_code: "32501" }), "America/Chicago"); // Pensacola
  assertEquals(zoneOf({ state: "AZ" }), "America/Phoenix");
  assertEquals(zoneOf({ state: "ON", country: "CA" }), "America/Toronto");
  assertEquals(zoneOf({ state: "WA", country: "AU" }), "Australia/Perth");
  assertEquals(zoneOf({ country: "PL" }), "Europe/Warsaw"); // one zone in CLDR
  assertEquals(zoneOf({ country: "DE" }), "Europe/Berlin"); // main zone of several
  assertEquals(zoneOf({ country: "ES" }), "Europe/Madrid");
  // Not enough to tell.
  assertEquals(zoneOf({ country: "US" }), undefined);
  assertEquals(zoneOf({ country: "CA" }), undefined);
  assertEquals(zoneOf({ city: "Somewhere" }), undefined);
  assertEquals(zoneOf({ state: "ZZ" }), undefined);
});

Deno.test("wall times: DST, the spring gap and the autumn overlap resolve deterministically", () => {
  assertEquals(inZone("2024-01-15T10:00:00", "America/Chicago"), "2024-01-15T10:00:00-06:00");
  assertEquals(inZone("2024-07-15T10:00", "America/Chicago"), "2024-07-15T10:00:00-05:00");
  assertEquals(inZone("2024-03-10T02:30:00", "America/New_York"), "2024-03-10T02:30:00-04:00");
  assertEquals(inZone("2024-11-03T01:30:00", "America/New_York"), "2024-11-03T01:30:00-04:00");
  assertEquals(inZone("2024-06-01T12:00:00", "Asia/Kolkata"), "2024-06-01T12:00:00+05:30");
  // The carrier's own offset is kept; no place at all is marked, never guessed.
  assertEquals(zonedTime("2024-01-15T10:00:00-07:00", [{ state: "NY" }]), {
    occurred_at: "2024-01-15T10:00:00-07:00",
  });
  assertEquals(zonedTime("2024-01-15T10:00:00", [undefined, { country: "US" }]), {
    occurred_at: "2024-01-15T10:00:00Z",
    time_zone_unknown: true,
  });
  assertEquals(zonedTime("2024-01-15T10:00:00", [{ country: "US" }, { state: "CA" }]), {
    occurred_at: "2024-01-15T10:00:00-08:00",
    time_zone: "America/Los_Angeles",
  });
});

Deno.test("first-scan schedule: soon for a new label, less often as it ages", () => {
  const now = new Date("2026-01-16T12:00:00Z");
  const ago = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  assertEquals(firstScanRecheckMs(ago(0.5), now), 15 * 60_000);
  assertEquals(firstScanRecheckMs(ago(5), now), 30 * 60_000);
  assertEquals(firstScanRecheckMs(ago(48), now), 2 * 3_600_000);
  assertEquals(firstScanRecheckMs(ago(24 * 7), now), 6 * 3_600_000);
  // Shipped "in the future" (a date-only ERP value) counts as new.
  assertEquals(firstScanRecheckMs("2026-01-17T00:00:00Z", now), 15 * 60_000);
  assertEquals(firstScanDue({ shipped_at: ago(24 * 7), last_refreshed_at: ago(1) }, now), false);
  assertEquals(firstScanDue({ shipped_at: ago(24 * 7), last_refreshed_at: ago(6) }, now), true);
  assertEquals(firstScanDue({ shipped_at: ago(24 * 7) }, now), true);
});
