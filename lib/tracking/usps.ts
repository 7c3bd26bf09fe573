/**
 * USPS Tracking API v3 (carriers.md §3): OAuth `POST /oauth2/v3/token` (JSON, as the
 * USPS/api-examples README documents it, asking for the `tracking` scope, which USPS does not
 * grant unasked), then one `GET /tracking/v3/tracking/{n}?expand=DETAIL` per number.
 *
 * Quirks: `eventTimestamp` is the local wall time of the event; the offset sits in
 * `GMTOffset` ("-05:00" in a real capture, "-420" minutes in the spec example). The README's
 * example writes it with a "Z" although its own summary says 7:31 am local, so a "Z" there is
 * not trusted: without `GMTOffset` the wall time is resolved in the event's place's zone.
 * Booleans arrive as strings. A label not scanned yet answers 400 with one of the Error
 * Inventory's "status not yet available" codes (150001…) or 404 "Tracking is not available"
 * (#102): "awaiting first scan". The default quota is 60 calls an hour, so a 429 stops the
 * batch at once and its `Retry-After` is passed back.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { DeliveryFacts, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import {
  type AdapterOptions,
  type AnswerFormat,
  type CarrierCredentials,
  CarrierSession,
  clientCredentialsGrant,
  formatLocation,
  oldestFirst,
  trackCall,
  trackOneByOne,
} from "./carrier_http.ts";
import { codeTable, compact, leftAtPlace, logUnknownCode } from "./codes.ts";
import { datePart, hasOffset, type Place, wallTime, zonedTime } from "./time_zones.ts";
import type { CarrierAdapter, NormalizedShipment, TrackRequest, TrackResult } from "./types.ts";

/**
 * `eventCode` → our status. Source: USPS Publication 199, Appendix G-4 (event codes, as
 * listed in carriers.md §3; GX/03/10/SF/A1/T1/TL/07/OF/01 also in karrio's real capture).
 * 17/43 (picked up at a pickup point by the addressee) are delivery for us; 14/16 (at or
 * available at a pickup point) need the customer, as do notices left and returns.
 */
const USPS_STATUS = codeTable([
  ["label_created", "GX MA"],
  ["picked_up", "03 TM PA"],
  ["in_transit", "10 SF EF A1 T1 TL PC 07 14"],
  ["out_for_delivery", "OF"],
  ["delivered", "01 17 43"],
  [
    "exception",
    "02 04 05 06 09 16 21 22 23 24 25 26 27 28 29 30 31 51 52 53 54 55 56 71",
  ],
]);
/** "Status not updated" and similar informational codes: no change. */
const NO_CHANGE = new Set(["DX"]);

/** `statusCategory` → our status: USPS's own grouping, used for codes no table knows. */
const CATEGORY: Record<string, TrackingStatus> = {
  "pre-shipment": "label_created",
  accepted: "picked_up",
  "in transit": "in_transit",
  "out for delivery": "out_for_delivery",
  delivered: "delivered",
  alert: "exception",
  "available for pickup": "exception",
};

/**
 * Error Inventory ("API Error Consolidated List.xlsx", sheet Tracking, USPS/api-examples):
 * the 400 codes that mean "no status update yet" for a real item.
 */
export const USPS_AWAITING_CODES = new Set(["150001", "150002", "150003", "150009", "150013"]);

/** Our status for a USPS event code; undefined = unknown or "status not updated" (DX). */
export function uspsStatus(code: string | null | undefined): TrackingStatus | undefined {
  return code ? USPS_STATUS.get(code.toUpperCase()) : undefined;
}

const Event = z.looseObject({
  eventType: z.string().nullish(),
  eventTimestamp: z.string().nullish(),
  GMTTimestamp: z.string().nullish(),
  GMTOffset: z.string().nullish(),
  eventCode: z.string().nullish(),
  eventCity: z.string().nullish(),
  eventState: z.string().nullish(),
  eventZIP: z.string().nullish(),
  eventCountry: z.string().nullish(),
  name: z.string().nullish(),
});

const TrackResponse = z.looseObject({
  trackingNumber: z.string().nullish(),
  statusCategory: z.string().nullish(),
  expectedDeliveryTimeStamp: z.string().nullish(),
  expectedDeliveryDate: z.string().nullish(),
  predictedDeliveryDate: z.string().nullish(),
  predictedDeliveryTimeStamp: z.string().nullish(),
  predictedDeliveryWindowStartTime: z.string().nullish(),
  predictedDeliveryWindowEndTime: z.string().nullish(),
  proofOfDeliveryEnabled: z.union([z.string(), z.boolean()]).nullish(),
  originCity: z.string().nullish(),
  originState: z.string().nullish(),
  originZIP: z.string().nullish(),
  destinationCity: z.string().nullish(),
  destinationState: z.string().nullish(),
  destinationZIP: z.string().nullish(),
  destinationCountryCode: z.string().nullish(),
  trackingEvents: z.array(Event).nullish(),
});

const ErrorResponse = z.looseObject({
  error: z.looseObject({
    code: z.string().nullish(),
    message: z.string().nullish(),
    errors: z.array(z.looseObject({ code: z.string().nullish() })).nullish(),
  }),
});

type UspsEvent = z.infer<typeof Event>;
type UspsDetail = z.infer<typeof TrackResponse>;

/** "-05:00" | "-0500" | "-420" (minutes) → "-05:00". */
export function uspsOffset(raw: string | null | undefined): string | undefined {
  const s = raw?.trim() ?? "";
  let m = s.match(/^([+-])(\d{1,2}):(\d{2})$/) ?? s.match(/^([+-])(\d{2})(\d{2})$/);
  if (m) return `${m[1]}${m[2].padStart(2, "0")}:${m[3]}`;
  m = s.match(/^([+-])(\d{1,3})$/);
  if (m) {
    const mins = Number(m[2]);
    return `${m[1]}${String(Math.floor(mins / 60)).padStart(2, "0")}:${
      String(mins % 60).padStart(2, "0")
    }`;
  }
  return undefined;
}

function eventPlace(e: UspsEvent): Place {
  return {
    city: e.eventCity,
    state: e.eventState,
    postal_code: e.eventZIP,
    country: e.eventCountry || (e.eventState ? "US" : undefined),
  };
}

function origin(r: UspsDetail): Place {
  return { city: r.originCity, state: r.originState, postal_code: r.originZIP, country: "US" };
}

function destination(r: UspsDetail): Place {
  return {
    city: r.destinationCity,
    state: r.destinationState,
    postal_code: r.destinationZIP,
    country: r.destinationCountryCode || "US",
  };
}

/**
 * An event's instant: local wall time + `GMTOffset`; else the wall time in the zone of its
 * place (then origin/destination); else `GMTTimestamp` (UTC); else marked unknown.
 */
export function uspsTime(
  e: UspsEvent,
  places: (Place | undefined)[] = [],
): { occurred_at: string; time_zone?: string; time_zone_unknown?: true } {
  const local = e.eventTimestamp?.trim() ?? "";
  const keepsOffset = local && hasOffset(local) && !/Z$/i.test(local);
  if (keepsOffset) return { occurred_at: local };
  const wall = wallTime(local.replace(/Z$/i, ""));
  const off = uspsOffset(e.GMTOffset);
  if (wall && off) return { occurred_at: `${wall}${off}` };
  const gmt = e.GMTTimestamp?.trim();
  if (wall) {
    const zoned = zonedTime(wall, [eventPlace(e), ...places]);
    if (!zoned.time_zone_unknown || !gmt) return zoned;
  }
  if (gmt) return { occurred_at: hasOffset(gmt) ? gmt : `${gmt}Z` };
  return { occurred_at: local, time_zone_unknown: true };
}

/** The instant only (kept for the offset tests). */
export function uspsTimestamp(e: UspsEvent): string {
  return uspsTime(e).occurred_at;
}

function deliveryFacts(
  r: UspsDetail,
  status: TrackingStatus,
  newest: UspsEvent | undefined,
  estimate: string | undefined,
): DeliveryFacts | undefined {
  const delivered = status === "delivered";
  const text = newest?.eventType?.trim() ?? "";
  // "Delivered, Parcel Locker", "Delivered, Front Door/Porch", "Delivered, In/At Mailbox"…
  const where = delivered ? text.match(/^Delivered,\s*(.+)$/i)?.[1]?.trim() : undefined;
  const pod = String(r.proofOfDeliveryEnabled ?? "").toLowerCase() === "true";
  const dest = destination(r);
  const end = (t?: string | null) => t ? zonedTime(t, [dest]).occurred_at : undefined;
  const begins = r.predictedDeliveryWindowStartTime, ends = r.predictedDeliveryWindowEndTime;
  const facts = compact({
    signed_by: delivered ? newest?.name?.trim() : undefined,
    left_at: leftAtPlace(where),
    left_at_text: where,
    delay_reason: status === "exception" ? text || undefined : undefined,
    revised_estimate: status === "exception" ? estimate : undefined,
    window: !delivered && (begins || ends)
      ? compact({ begins: end(begins), ends: end(ends) })
      : undefined,
    proof_of_delivery: delivered
      ? pod
        ? {
          available: true,
          kind: "document" as const,
          document: "usps_proof_of_delivery" as const,
        }
        : { available: false }
      : undefined,
  }) as DeliveryFacts;
  return Object.keys(facts).length ? facts : undefined;
}

export function normalizeUsps(r: UspsDetail): NormalizedShipment {
  const places = [origin(r), destination(r)];
  const raw = [...(r.trackingEvents ?? [])].reverse().map((e) => {
    const late = ["OF", "01"].includes(e.eventCode ?? "");
    return { e, ...uspsTime(e, late ? [...places].reverse() : places) };
  });
  const category = CATEGORY[r.statusCategory?.trim().toLowerCase() ?? ""];
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const { e, occurred_at, time_zone, time_zone_unknown } of oldestFirst(raw)) {
    const code = e.eventCode?.trim().toUpperCase() ?? "";
    const byCode = uspsStatus(code);
    if (!byCode && code && !NO_CHANGE.has(code)) logUnknownCode("usps", "eventCode", code);
    const status: TrackingStatus = byCode ?? current;
    current = status;
    const location = formatLocation(e.eventCity, e.eventState, e.eventCountry);
    events.push({
      status,
      occurred_at,
      description: e.eventType?.trim() || code,
      ...(location ? { location } : {}),
      ...(code ? { carrier_code: code } : {}),
      ...(time_zone ? { time_zone } : {}),
      ...(time_zone_unknown ? { time_zone_unknown } : {}),
    });
  }
  const newest = r.trackingEvents?.[0];
  // The newest event's code is more precise than the category; the category covers unknown codes.
  const status = uspsStatus(newest?.eventCode) ?? category ?? events.at(-1)?.status ??
    "label_created";
  const out: NormalizedShipment = { status, events };
  const estimate = datePart(
    r.expectedDeliveryTimeStamp ?? r.predictedDeliveryTimeStamp ?? r.predictedDeliveryDate ??
      r.expectedDeliveryDate,
  );
  if (estimate && status !== "delivered") out.estimated_delivery = estimate;
  const begins = r.predictedDeliveryWindowStartTime, ends = r.predictedDeliveryWindowEndTime;
  if (begins && ends) {
    out.estimated_window = {
      begins: zonedTime(begins, [destination(r)]).occurred_at,
      ends: zonedTime(ends, [destination(r)]).occurred_at,
    };
  }
  const delivery = deliveryFacts(r, status, newest, out.estimated_delivery);
  if (delivery) out.delivery = delivery;
  return out;
}

export type UspsOptions = AdapterOptions;

/** The scopes we ask for: tracking only (space-separated, as OAuth and USPS write them). */
export const USPS_SCOPE = "tracking";

export function uspsTokenRequest(c: CarrierCredentials): OutboundRequest {
  // JSON with client_id, client_secret and grant_type, as the USPS/api-examples README shows,
  // plus `scope`: USPS grants `tracking` only when asked (#28, #56).
  return {
    url: new URL("/oauth2/v3/token", c.baseUrl),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...clientCredentialsGrant(c), scope: USPS_SCOPE }),
  };
}

const USPS_ANSWERS: AnswerFormat<z.infer<typeof TrackResponse>> = {
  name: "USPS",
  schema: TrackResponse,
  readError: (body, status) => {
    const e = ErrorResponse.safeParse(body);
    if (!e.success) return undefined;
    const code = e.data.error.errors?.map((x) => x.code ?? "").find((c) =>
      USPS_AWAITING_CODES.has(c)
    );
    if (code) return { message: code, awaiting: true };
    return { message: e.data.error.message ?? undefined, awaiting: status === 404 };
  },
};

export class UspsAdapter implements CarrierAdapter {
  readonly carrier = "usps" as const;
  #session: CarrierSession;

  constructor(opts: UspsOptions) {
    this.#session = new CarrierSession({
      ...opts,
      carrier: "usps",
      tokenRequest: uspsTokenRequest,
    });
  }

  track(requests: TrackRequest[]): Promise<TrackResult[]> {
    return trackOneByOne("usps", requests, (n) => this.#trackOne(n));
  }

  async #trackOne(n: string): Promise<TrackResult> {
    const answer = await trackCall(this.#session, [n], (token) => {
      const url = this.#session.url(`/tracking/v3/tracking/${encodeURIComponent(n)}`);
      url.searchParams.set("expand", "DETAIL");
      return { url, headers: { authorization: `Bearer ${token}`, accept: "application/json" } };
    }, USPS_ANSWERS);
    if (!answer.ok) return answer.result;
    answer.note("ok");
    return { ok: true, shipment: normalizeUsps(answer.data) };
  }
}
