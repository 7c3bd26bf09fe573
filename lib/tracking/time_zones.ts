/**
 * Instants that do not depend on the server's time zone. Carriers sometimes send a local wall
 * time without an offset (FedEx pickup scans, UPS activities without `gmt*` fields, USPS
 * `eventTimestamp`). We keep the carrier's offset when it gives one; otherwise we resolve the
 * wall time in the IANA zone of the event's place (or the shipment's origin/destination) with
 * `Intl`, and when no place resolves we mark the event instead of guessing.
 *
 * Place → zone, in order:
 *  1. US ZIP-3 prefixes in states split between zones (table below);
 *  2. US states and territories, Canadian provinces and Australian states: the zone most of
 *     the region keeps (table below);
 *  3. a country with one zone in the runtime's ICU/CLDR data (`Intl.Locale#getTimeZones`);
 *  4. a country where one zone holds nearly everyone (table below).
 * Sources: the IANA tz database's zone1970.tab region comments ("Central (most areas)" …) for
 * the zone names; U.S. standard time zone boundaries, 49 CFR Part 71, for the split states;
 * USPS ZIP-3 prefixes for the split areas. npm's `countries-and-timezones` lists a country's
 * zones but not which one most of it keeps nor any state; `zipcode-to-timezone` has not been
 * updated since 2017 and weighs 670 KB: hence this small table.
 */

export interface Place {
  city?: string | null;
  /** State / province code as the carrier sends it ("TN", "ON"). */
  state?: string | null;
  postal_code?: string | null;
  /** ISO 3166-1 alpha-2. */
  country?: string | null;
}

const US_STATE_ZONE: Record<string, string> = {
  AL: "America/Chicago",
  AK: "America/Anchorage",
  AZ: "America/Phoenix",
  AR: "America/Chicago",
  CA: "America/Los_Angeles",
  CO: "America/Denver",
  CT: "America/New_York",
  DE: "America/New_York",
  DC: "America/New_York",
  FL: "America/New_York",
  GA: "America/New_York",
  HI: "Pacific/Honolulu",
  ID: "America/Boise",
  IL: "America/Chicago",
  IN: "America/Indiana/Indianapolis",
  IA: "America/Chicago",
  KS: "America/Chicago",
  KY: "America/New_York",
  LA: "America/Chicago",
  ME: "America/New_York",
  MD: "America/New_York",
  MA: "America/New_York",
  MI: "America/Detroit",
  MN: "America/Chicago",
  MS: "America/Chicago",
  MO: "America/Chicago",
  MT: "America/Denver",
  NE: "America/Chicago",
  NV: "America/Los_Angeles",
  NH: "America/New_York",
  NJ: "America/New_York",
  NM: "America/Denver",
  NY: "America/New_York",
  NC: "America/New_York",
  ND: "America/Chicago",
  OH: "America/New_York",
  OK: "America/Chicago",
  OR: "America/Los_Angeles",
  PA: "America/New_York",
  RI: "America/New_York",
  SC: "America/New_York",
  SD: "America/Chicago",
  TN: "America/Chicago",
  TX: "America/Chicago",
  UT: "America/Denver",
  VT: "America/New_York",
  VA: "America/New_York",
  WA: "America/Los_Angeles",
  WV: "America/New_York",
  WI: "America/Chicago",
  WY: "America/Denver",
  PR: "America/Puerto_Rico",
  VI: "America/St_Thomas",
  GU: "Pacific/Guam",
  AS: "Pacific/Pago_Pago",
  MP: "Pacific/Saipan",
};

/** ZIP-3 prefixes whose zone differs from their state's (49 CFR Part 71 boundaries). */
const US_ZIP3_ZONE: Record<string, string> = {};
const zip3 = (zone: string, ranges: [number, number][]) => {
  for (const [a, b] of ranges) {
    for (let z = a; z <= b; z++) US_ZIP3_ZONE[String(z).padStart(3, "0")] = zone;
  }
};
zip3("America/Chicago", [[324, 325]]); // FL panhandle: Panama City, Pensacola
zip3("America/New_York", [[373, 374], [376, 379]]); // East TN: Chattanooga, Knoxville, Tri-Cities
zip3("America/Chicago", [[420, 424]]); // Western KY: Paducah, Bowling Green, Owensboro
zip3("America/Chicago", [[463, 464], [476, 477]]); // NW IN (Gary), SW IN (Evansville)
zip3("America/Denver", [[577, 577], [693, 693]]); // West SD (Rapid City), West NE (Scottsbluff)
zip3("America/Denver", [[798, 799], [885, 885]]); // West TX: El Paso
zip3("America/Los_Angeles", [[835, 838]]); // North ID: Lewiston, Coeur d'Alene
zip3("America/Boise", [[979, 979]]); // East OR: Ontario

const CA_PROVINCE_ZONE: Record<string, string> = {
  AB: "America/Edmonton",
  BC: "America/Vancouver",
  MB: "America/Winnipeg",
  NB: "America/Moncton",
  NL: "America/St_Johns",
  NS: "America/Halifax",
  NT: "America/Edmonton",
  NU: "America/Iqaluit",
  ON: "America/Toronto",
  PE: "America/Halifax",
  QC: "America/Toronto",
  SK: "America/Regina",
  YT: "America/Whitehorse",
};

const AU_STATE_ZONE: Record<string, string> = {
  ACT: "Australia/Sydney",
  NSW: "Australia/Sydney",
  NT: "Australia/Darwin",
  QLD: "Australia/Brisbane",
  SA: "Australia/Adelaide",
  TAS: "Australia/Hobart",
  VIC: "Australia/Melbourne",
  WA: "Australia/Perth",
};

/** Countries with several zones where one holds nearly everyone (zone1970.tab "most"). */
const COUNTRY_MAIN_ZONE: Record<string, string> = {
  AR: "America/Argentina/Buenos_Aires",
  BR: "America/Sao_Paulo",
  CD: "Africa/Kinshasa",
  CL: "America/Santiago",
  CN: "Asia/Shanghai",
  CY: "Asia/Nicosia",
  DE: "Europe/Berlin",
  DK: "Europe/Copenhagen",
  EC: "America/Guayaquil",
  ES: "Europe/Madrid",
  FM: "Pacific/Pohnpei",
  GL: "America/Nuuk",
  ID: "Asia/Jakarta",
  KZ: "Asia/Almaty",
  MN: "Asia/Ulaanbaatar",
  MX: "America/Mexico_City",
  MY: "Asia/Kuala_Lumpur",
  NZ: "Pacific/Auckland",
  PF: "Pacific/Tahiti",
  PG: "Pacific/Port_Moresby",
  PT: "Europe/Lisbon",
  RU: "Europe/Moscow",
  UA: "Europe/Kyiv",
  UZ: "Asia/Tashkent",
};

const STATE_TABLES: Record<string, Record<string, string>> = {
  US: US_STATE_ZONE,
  CA: CA_PROVINCE_ZONE,
  AU: AU_STATE_ZONE,
};

const singleZoneCache = new Map<string, string | null>();

/** The country's only zone in the runtime's CLDR data, or null when it has several. */
function singleZone(country: string): string | null {
  if (singleZoneCache.has(country)) return singleZoneCache.get(country)!;
  let zone: string | null = null;
  try {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & {
      getTimeZones?: () => string[] | undefined;
      timeZones?: string[];
    };
    const zones = locale.getTimeZones?.() ?? locale.timeZones ?? [];
    zone = zones.length === 1 ? zones[0] : null;
  } catch {
    zone = null;
  }
  singleZoneCache.set(country, zone);
  return zone;
}

/** The IANA zone of a place, or undefined when it cannot be told. */
export function zoneOf(place: Place | null | undefined): string | undefined {
  if (!place) return undefined;
  const country = place.country?.trim().toUpperCase() || (place.state ? "US" : "");
  const state = place.state?.trim().toUpperCase() ?? "";
  if (country === "US") {
    const zip = place.postal_code?.trim().match(/^(\d{3})\d{2}/)?.[1];
    if (zip && US_ZIP3_ZONE[zip] && (!state || US_STATE_ZONE[state])) return US_ZIP3_ZONE[zip];
  }
  const table = STATE_TABLES[country];
  if (table) return state ? table[state] : undefined;
  if (!/^[A-Z]{2}$/.test(country)) return undefined;
  return singleZone(country) ?? COUNTRY_MAIN_ZONE[country];
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at an instant. */
function offsetMinutes(zone: string, utcMs: number): number {
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    offsetFormats.set(zone, f);
  }
  const name = f.formatToParts(utcMs).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = name.match(/^GMT([+-])(\d{2}):(\d{2})$/);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${
    String(abs % 60).padStart(2, "0")
  }`;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/;
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** True when an ISO string carries its own offset (or Z). */
export function hasOffset(iso: string): boolean {
  return ZONED.test(iso.trim());
}

/** "2024-08-15T00:00" → "2024-08-15T00:00:00"; undefined when it is no wall time. */
export function wallTime(raw: string): string | undefined {
  const m = raw.trim().match(WALL);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}` : undefined;
}

/** A wall time in a zone as ISO 8601 with that zone's offset then (DST included). */
export function inZone(wall: string, zone: string): string {
  const w = wallTime(wall);
  if (!w) throw new RangeError(`not a wall time: ${wall}`);
  const [y, mo, d, h, mi, s] = w.split(/[-T:]/).map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // The offset at the guessed instant, then once more at the corrected one (DST edges).
  let off = offsetMinutes(zone, asUtc);
  const again = offsetMinutes(zone, asUtc - off * 60_000);
  if (again !== off) off = again;
  return `${w}${formatOffset(off)}`;
}

export interface ZonedTime {
  occurred_at: string;
  time_zone?: string;
  time_zone_unknown?: true;
}

/**
 * A carrier time as an instant: kept as sent when it has an offset, else resolved in the zone
 * of the first place that has one, else marked unknown (the wall time written as UTC).
 */
export function zonedTime(raw: string, places: (Place | null | undefined)[]): ZonedTime {
  const t = raw.trim();
  if (hasOffset(t)) return { occurred_at: t };
  const wall = wallTime(t);
  if (!wall) return { occurred_at: t, time_zone_unknown: true };
  for (const p of places) {
    const zone = zoneOf(p);
    if (zone) return { occurred_at: inZone(wall, zone), time_zone: zone };
  }
  return { occurred_at: `${wall}Z`, time_zone_unknown: true };
}

/** The YYYY-MM-DD a carrier wrote, whatever follows it; undefined when there is none. */
export function datePart(raw: string | null | undefined): string | undefined {
  const m = raw?.trim().match(/^(\d{4})-?(\d{2})-?(\d{2})/);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}
