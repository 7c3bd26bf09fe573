/**
 * Tracking-number format and check-digit validation, run before any carrier call.
 *
 * Rules from carriers.md §7 (after jkeen/tracking_number_data). Leniency, decided per format:
 * - UPS `1Z` and every FedEx format: a failed check digit is only a WARNING. Carrier sandboxes
 *   hand out numbers that fail (FedEx `647719948679`, SmartPost `61292701078443410536`, the
 *   legacy UPS XML-guide numbers), and the carrier's own answer ("not found") is authoritative.
 * - USPS IMpb (20/22/26 digits, after any `420`+ZIP routing prefix) and UPU S10: a failed
 *   check digit REJECTS the number. Both are published standards printed on every barcode, no
 *   known test number fails them, and USPS allows only 60 calls an hour: a typo must not cost
 *   one of them.
 * - A number of no known shape is accepted with a warning when it is plausible (7–40 letters
 *   and digits, the UPS inquiry range widened for FedEx's 34-digit barcodes) and rejected
 *   otherwise; carriers have more formats than we know (door tags, freight PROs).
 */
import type { CarrierId } from "@/lib/orders/model.ts";

export type TrackingFormat =
  | "ups_1z"
  | "fedex_express_12"
  | "fedex_ground_15"
  | "fedex_ground_96"
  | "fedex_smartpost_20"
  | "usps_impb_20"
  | "usps_impb_22"
  | "usps_impb_26"
  | "s10"
  | "unknown";

export interface TrackingNumberCheck {
  /** Upper-cased, spaces and dashes removed: the form sent to the carrier and stored. */
  normalized: string;
  format: TrackingFormat;
  /** False = do not call the carrier with it. */
  accepted: boolean;
  /** True when a check digit exists for the format and it matched. */
  checkDigitValid?: boolean;
  warnings: string[];
  /** Why it was rejected, when it was. */
  error?: string;
}

/** Strips the spaces and dashes people paste from labels and e-mails. */
export function normalizeTrackingNumber(raw: string): string {
  return raw.replace(/[\s-]+/g, "").toUpperCase();
}

const digitsOf = (s: string) => Array.from(s, (c) => c.charCodeAt(0) - 48);

/** UPS 1Z: letters → (ASCII−3) mod 10, every second payload character doubled, mod-10 complement. */
export function upsCheckDigitOk(n: string): boolean {
  if (!/^1Z[0-9A-Z]{15}[0-9]$/.test(n)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = n[i + 2];
    let v = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : (c.charCodeAt(0) - 3) % 10;
    if (i % 2 === 1) v *= 2;
    sum += v;
  }
  return (10 - (sum % 10)) % 10 === Number(n[17]);
}

/** FedEx Express 12 digits: weights 3,1,7 from the left over digits 1–11, (sum mod 11) mod 10. */
export function fedexExpressCheckDigitOk(n: string): boolean {
  if (!/^\d{12}$/.test(n)) return false;
  const d = digitsOf(n);
  const w = [3, 1, 7];
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += d[i] * w[i % 3];
  return (sum % 11) % 10 === d[11];
}

/** FedEx Ground: weights 1,3 alternating from the left over the 14-digit serial; mod-10 complement. */
export function fedexGroundSerialOk(serial14: string, check: string): boolean {
  if (!/^\d{14}$/.test(serial14) || !/^\d$/.test(check)) return false;
  const d = digitsOf(serial14);
  let sum = 0;
  for (let i = 0; i < 14; i++) sum += d[i] * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(check);
}

/** USPS/IMpb mod 10: weight 3 on the rightmost payload digit, then 1, 3, … leftwards. */
export function uspsMod10Ok(n: string): boolean {
  if (!/^\d{2,}$/.test(n)) return false;
  const d = digitsOf(n);
  const check = d.pop()!;
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[d.length - 1 - i] * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === check;
}

/** UPU S10: weights 8,6,4,2,3,5,9,7; 11 − (sum mod 11), 10 → 0, 11 → 5. */
export function s10CheckDigitOk(n: string): boolean {
  if (!/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(n)) return false;
  const w = [8, 6, 4, 2, 3, 5, 9, 7];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(n[2 + i]) * w[i];
  let c = 11 - (sum % 11);
  if (c === 10) c = 0;
  if (c === 11) c = 5;
  return c === Number(n[10]);
}

/**
 * Drops a leading `420`+ZIP (5 or 9 digits) routing prefix from a scanned USPS barcode, when
 * what remains is an IMpb length; otherwise returns the number unchanged.
 */
export function stripUspsRoutingPrefix(n: string): string {
  if (!n.startsWith("420") || !/^\d+$/.test(n)) return n;
  // 34 digits is ambiguous (420+ZIP9+22 or 420+ZIP5+26): the one whose check digit holds wins.
  const candidates = [5, 9].map((zipLen) => n.slice(3 + zipLen))
    .filter((rest) => [20, 22, 26].includes(rest.length));
  return candidates.find(uspsMod10Ok) ?? candidates[0] ?? n;
}

const PLAUSIBLE = /^[0-9A-Z]{7,40}$/;

function result(
  normalized: string,
  format: TrackingFormat,
  ok: boolean | undefined,
  rejectOnBadCheck: boolean,
): TrackingNumberCheck {
  if (ok === false && rejectOnBadCheck) {
    return {
      normalized,
      format,
      accepted: false,
      checkDigitValid: false,
      warnings: [],
      error: `check digit does not match (${format})`,
    };
  }
  return {
    normalized,
    format,
    accepted: true,
    checkDigitValid: ok,
    warnings: ok === false ? [`check digit does not match (${format}); sent anyway`] : [],
  };
}

function unknownFormat(normalized: string, carrier: string): TrackingNumberCheck {
  if (!PLAUSIBLE.test(normalized)) {
    return {
      normalized,
      format: "unknown",
      accepted: false,
      warnings: [],
      error: "not a tracking number (7–40 letters and digits expected)",
    };
  }
  return {
    normalized,
    format: "unknown",
    accepted: true,
    warnings: [`not a known ${carrier} number format; sent anyway`],
  };
}

function checkUsps(n: string): TrackingNumberCheck {
  const core = stripUspsRoutingPrefix(n);
  if (/^\d+$/.test(core) && [20, 22, 26].includes(core.length)) {
    const format = `usps_impb_${core.length}` as TrackingFormat;
    return result(core, format, uspsMod10Ok(core), true);
  }
  if (/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(core)) return result(core, "s10", s10CheckDigitOk(core), true);
  return unknownFormat(core, "USPS");
}

function checkFedex(n: string): TrackingNumberCheck {
  if (/^\d{12}$/.test(n)) return result(n, "fedex_express_12", fedexExpressCheckDigitOk(n), false);
  if (/^\d{15}$/.test(n)) {
    return result(n, "fedex_ground_15", fedexGroundSerialOk(n.slice(0, 14), n[14]), false);
  }
  if (/^96\d{20}$/.test(n)) {
    // 96 + 5-digit service/SCNC + 14-digit serial + check digit.
    return result(n, "fedex_ground_96", fedexGroundSerialOk(n.slice(7, 21), n[21]), false);
  }
  if (/^\d{20}$/.test(n)) {
    // SmartPost numbers are handed to USPS and carry the USPS mod-10.
    return result(n, "fedex_smartpost_20", uspsMod10Ok(n), false);
  }
  return unknownFormat(n, "FedEx");
}

function checkUps(n: string): TrackingNumberCheck {
  if (/^1Z[0-9A-Z]{16}$/.test(n)) return result(n, "ups_1z", upsCheckDigitOk(n), false);
  return unknownFormat(n, "UPS");
}

/**
 * Validates a tracking number for a carrier. Example:
 * `checkTrackingNumber("ups", "1Z 023E2X 0214323462")` → `{accepted: true, format: "ups_1z",
 * checkDigitValid: true, normalized: "1Z023E2X0214323462", warnings: []}`.
 * "manual" and "sandbox" numbers are free text for the warehouse: any plausible one is fine.
 */
export function checkTrackingNumber(carrier: CarrierId, raw: string): TrackingNumberCheck {
  const n = normalizeTrackingNumber(raw);
  switch (carrier) {
    case "ups":
      return checkUps(n);
    case "fedex":
      return checkFedex(n);
    case "usps":
      return checkUsps(n);
    default:
      return PLAUSIBLE.test(n) || /^[0-9A-Z]{1,64}$/.test(n)
        ? { normalized: n, format: "unknown", accepted: true, warnings: [] }
        : {
          normalized: n,
          format: "unknown",
          accepted: false,
          warnings: [],
          error: "tracking numbers are 1–64 letters and digits",
        };
  }
}
