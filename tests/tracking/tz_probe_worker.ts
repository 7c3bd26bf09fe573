/**
 * Prints what the three normalizers make of every published sample (instants, estimates,
 * windows, delivery facts) as JSON. time_zone_independence_test.ts runs it under several TZ
 * settings (and calls `probe` in its own process): the output must not change.
 */
import { normalizeFedex } from "@/lib/tracking/fedex.ts";
import { normalizeUps } from "@/lib/tracking/ups.ts";
import { normalizeUsps } from "@/lib/tracking/usps.ts";
import type { NormalizedShipment } from "@/lib/tracking/types.ts";
import { readCarrierFixture } from "@/tests/fakes/carriers/base.ts";

type Sample = { file: string; normalize: (body: never) => NormalizedShipment[] };

// deno-lint-ignore no-explicit-any
const fedex = (b: any) =>
  // deno-lint-ignore no-explicit-any
  b.output.completeTrackResults.flatMap((c: any) => c.trackResults.map(normalizeFedex));
// deno-lint-ignore no-explicit-any
const ups = (b: any) => b.trackResponse.shipment.flatMap((s: any) => s.package.map(normalizeUps));
// deno-lint-ignore no-explicit-any
const usps = (b: any) => [normalizeUsps(b)];

export const SAMPLES: Sample[] = [
  { file: "fedex/track_spec_example.json", normalize: fedex },
  { file: "fedex/duplicate_number.json", normalize: fedex },
  { file: "fedex/delivered_ground_local_pickup.json", normalize: fedex },
  { file: "ups/delivered_postman.json", normalize: ups },
  { file: "ups/customs_spec_example.json", normalize: ups },
  { file: "ups/international_customs_clearance.json", normalize: ups },
  { file: "ups/in_transit_code_without_type.json", normalize: ups },
  { file: "usps/delivered_parcel_locker.json", normalize: usps },
  { file: "usps/accepted_readme.json", normalize: usps },
  { file: "usps/in_transit_edited.json", normalize: usps },
];

/** Every sample's normalized shipments, with each event's instant in UTC beside it. */
export function probe(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SAMPLES) {
    const shipments = s.normalize(JSON.parse(readCarrierFixture(s.file)) as never);
    out[s.file] = shipments.map((sh) => ({
      ...sh,
      instants: sh.events.map((e) => new Date(e.occurred_at).toISOString()),
    }));
  }
  return out;
}

if (import.meta.main) console.log(JSON.stringify(probe()));
