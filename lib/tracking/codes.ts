/**
 * What the three carriers' status mappings share: a code table builder, the once-per-process
 * warning for a code no table knows (the adapter then falls back on the carrier's own
 * category), and reading where a parcel was left from the carrier's words.
 */
import type { CarrierId, LeftAtPlace, TrackingStatus } from "@/lib/orders/model.ts";
import { log } from "@/lib/log.ts";

/** A code → status table from "status: codes separated by spaces" lines. */
export function codeTable(
  rows: [TrackingStatus, string][],
): ReadonlyMap<string, TrackingStatus> {
  const out = new Map<string, TrackingStatus>();
  for (const [status, codes] of rows) {
    for (const c of codes.split(/\s+/).filter(Boolean)) out.set(c.toUpperCase(), status);
  }
  return out;
}

const reported = new Set<string>();

/**
 * Logs a carrier code that no table maps, once per process per carrier, field and code, so a
 * new code shows up in the logs without flooding them every poll.
 */
export function logUnknownCode(carrier: CarrierId, field: string, code: string): void {
  const key = `${carrier}\n${field}\n${code}`;
  if (reported.has(key)) return;
  reported.add(key);
  log.warn("tracking: unknown carrier code, used the carrier's category", {
    carrier,
    field,
    code,
  });
}

/** Forgets which codes were reported (tests). */
export function resetUnknownCodeLog(): void {
  reported.clear();
}

/** Words carriers use for where a parcel was left, most specific first. */
const LEFT_AT: [RegExp, LeftAtPlace][] = [
  [/parcel\s*locker|\blocker\b/i, "parcel_locker"],
  [/mail\s*room|mailroom/i, "mail_room"],
  [/reception|front\s*desk|receptionist|concierge|security office|guard/i, "reception"],
  [/mail\s*box|mailbox/i, "mailbox"],
  [/front\s*door/i, "front_door"],
  [/back\s*door|rear\s*door/i, "back_door"],
  [/side\s*door/i, "side_door"],
  [/porch|deck|patio/i, "porch"],
  [/garage|carport/i, "garage"],
  [/neighbou?r/i, "neighbor"],
  [/left with individual|individual|receiver|met customer/i, "individual"],
  [/access point|pickup point|retail location|hold at location|fedex location/i, "pickup_point"],
  [/post office/i, "post_office"],
  [/residence|residential/i, "residence"],
];

/** Our place for the carrier's words (undefined when they name no place). */
export function leftAtPlace(text: string | null | undefined): LeftAtPlace | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  for (const [re, place] of LEFT_AT) if (re.test(t)) return place;
  return undefined;
}

/** Drops undefined, null, empty-string and empty-object fields (so absent facts stay absent). */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === "") continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0) {
      continue;
    }
    out[k] = v;
  }
  return out as Partial<T>;
}
