/**
 * Carrier names as an ERP sends them (INT-007: "Carrier name (FedEx, UPS, etc.)"): the one
 * table of names we track through a carrier's API, and the one-line check every carrier or
 * display name passes. Any other valid name is a manual carrier (warehouse staff post its
 * events), shown as sent.
 *
 * Names are matched on letters and digits only, in any case ("U.S. Postal Service",
 * "Fed-Ex Ground" and "fedexground" match), so punctuation and spacing never decide.
 */
import { z } from "zod";
import { isOneLine } from "@/lib/text.ts";
import type { CarrierId } from "./model.ts";

/**
 * Names tracked through a carrier's API, by carrier. FedEx: every operating company that its
 * Track API answers for by tracking number (Express, Express Freight, Ground, Home Delivery,
 * SmartPost / Ground Economy, Freight, Custom Critical; its `carrierCode`s FDXE, FDXG, FXSP,
 * FXFR, FDXC). UPS: the parcel network and its services; NOT "UPS Freight", which UPS sold in
 * 2021 (now TForce Freight, tracked on its own site), so it is a manual carrier. USPS: the
 * Postal Service's names and its mail classes' brand.
 */
const TRACKED_NAMES: Record<"fedex" | "ups" | "usps", string[]> = {
  fedex: [
    "fedex",
    "fed ex",
    "federal express",
    "fedex express",
    "fedex express freight",
    "fedex ground",
    "fedex ground economy",
    "fedex home delivery",
    "fedex smartpost",
    "fedex freight",
    "fedex freight priority",
    "fedex freight economy",
    "fedex custom critical",
    "fedex international",
    "fdx",
    "fdxe",
    "fdxg",
    "fxsp",
    "fxfr",
    "fdxc",
  ],
  ups: [
    "ups",
    "united parcel service",
    "ups ground",
    "ups standard",
    "ups express",
    "ups air",
    "ups next day air",
    "ups 2nd day air",
    "ups 3 day select",
    "ups worldwide",
    "ups worldwide express",
    "ups worldwide expedited",
    "ups worldwide saver",
    "ups surepost",
    "ups ground saver",
    "ups mail innovations",
  ],
  usps: [
    "usps",
    "us postal service",
    "united states postal service",
    "us post office",
    "us mail",
    "postal service",
    "usps priority mail",
    "usps priority mail express",
    "usps ground advantage",
    "usps first class mail",
  ],
};

/** Our own carrier ids, accepted as they always were. */
const OWN_IDS: Record<string, CarrierId> = {
  fedex: "fedex",
  ups: "ups",
  usps: "usps",
  manual: "manual",
  sandbox: "sandbox",
};

/** "U.S. Postal Service" → "uspostalservice": what a name is matched on. */
export function carrierNameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

const BY_KEY = new Map<string, CarrierId>();
for (const [carrier, names] of Object.entries(TRACKED_NAMES)) {
  for (const n of names) BY_KEY.set(carrierNameKey(n), carrier as CarrierId);
}

export const CARRIER_NAME_MAX = 60;

/**
 * One line of at most `max` characters with a letter or digit in it: no control characters
 * (tabs and newlines included), line or paragraph separators, or bidirectional overrides
 * (which could make an email or a page read otherwise than it says). Trimmed.
 */
export function oneLineName(what: string, max = CARRIER_NAME_MAX) {
  return z
    .string({ error: `${what}: a name such as "FedEx" or "Acme Freight".` })
    .trim()
    .min(1, "Required.")
    .max(max, `At most ${max} characters.`)
    .refine(isOneLine, `${what}: one line, without control characters.`)
    .refine((s) => /[\p{L}\p{N}]/u.test(s), `${what}: needs a letter or a digit.`);
}

export interface CarrierChoice {
  carrier: CarrierId;
  /** The name to show; absent when the name was just our id ("fedex", "UPS"). */
  carrier_name?: string;
}

/**
 * What a carrier name means: FedEx, UPS or USPS under any of their names (tracked through
 * their APIs), our ids `manual`/`sandbox`, else a manual carrier shown as sent.
 * `carrierFromName("FedEx Freight")` → `{carrier: "fedex", carrier_name: "FedEx Freight"}`;
 * `carrierFromName("Acme Freight")` → `{carrier: "manual", carrier_name: "Acme Freight"}`.
 */
export function carrierFromName(name: string): CarrierChoice {
  const trimmed = name.trim();
  const own = OWN_IDS[trimmed.toLowerCase()];
  if (own) return { carrier: own };
  const tracked = BY_KEY.get(carrierNameKey(trimmed));
  return { carrier: tracked ?? "manual", carrier_name: trimmed };
}
