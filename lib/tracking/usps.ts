/**
 * USPS Tracking API v3 (carriers.md §3): OAuth `POST /oauth2/v3/token`, then one
 * `GET /tracking/v3/tracking/{n}?expand=DETAIL` per number.
 *
 * Quirks: `eventTimestamp` is local time without an offset, which sits in `GMTOffset` as
 * "-05:00" (karrio fixture) or "-420" minutes (spec example); booleans arrive as strings; a
 * new label can 404 ("Tracking is not available") for a while. The default quota is 60 calls
 * an hour, so a 429 stops the batch at once and its `Retry-After` is passed back.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
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
import type { CarrierAdapter, NormalizedShipment, TrackResult } from "./types.ts";

const USPS_STATUS: Record<string, TrackingStatus> = {};
const put = (status: TrackingStatus, codes: string) => {
  for (const c of codes.split(" ")) USPS_STATUS[c] = status;
};
put("label_created", "GX MA");
put("picked_up", "03 TM PA");
put("in_transit", "10 SF EF A1 T1 TL PC 07 14");
put("out_for_delivery", "OF");
// 17/43: picked up by the addressee at a pickup point, which is delivery for us.
put("delivered", "01 17 43");
put(
  "exception",
  "02 04 05 06 09 16 21 22 23 24 25 26 27 28 29 30 31 51 52 53 54 55 56 71",
);

const CATEGORY: Record<string, TrackingStatus> = {
  "pre-shipment": "label_created",
  accepted: "picked_up",
  "in transit": "in_transit",
  "out for delivery": "out_for_delivery",
  delivered: "delivered",
  alert: "exception",
  "available for pickup": "exception",
};

/** Our status for a USPS event code; undefined = unknown or "status not updated" (DX). */
export function uspsStatus(code: string | null | undefined): TrackingStatus | undefined {
  return code ? USPS_STATUS[code.toUpperCase()] : undefined;
}

const Event = z.looseObject({
  eventType: z.string().nullish(),
  eventTimestamp: z.string().nullish(),
  GMTTimestamp: z.string().nullish(),
  GMTOffset: z.string().nullish(),
  eventCode: z.string().nullish(),
  eventCity: z.string().nullish(),
  eventState: z.string().nullish(),
  eventCountry: z.string().nullish(),
});

const TrackResponse = z.looseObject({
  trackingNumber: z.string().nullish(),
  statusCategory: z.string().nullish(),
  expectedDeliveryTimeStamp: z.string().nullish(),
  predictedDeliveryDate: z.string().nullish(),
  predictedDeliveryTimeStamp: z.string().nullish(),
  predictedDeliveryWindowStartTime: z.string().nullish(),
  predictedDeliveryWindowEndTime: z.string().nullish(),
  trackingEvents: z.array(Event).nullish(),
});

const ErrorResponse = z.looseObject({
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }),
});

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

const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;

/** Local timestamp + GMTOffset → ISO 8601 with offset. */
export function uspsTimestamp(e: z.infer<typeof Event>): string {
  const local = e.eventTimestamp?.trim();
  if (local && HAS_ZONE.test(local)) return local;
  const off = uspsOffset(e.GMTOffset);
  if (local && off) return `${local.length === 16 ? `${local}:00` : local}${off}`;
  const gmt = e.GMTTimestamp?.trim();
  if (gmt) return HAS_ZONE.test(gmt) ? gmt : `${gmt}Z`;
  return local ?? "";
}

export function normalizeUsps(r: z.infer<typeof TrackResponse>): NormalizedShipment {
  const raw = [...(r.trackingEvents ?? [])].reverse(); // newest first on the wire
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const e of oldestFirst(raw.map((e) => ({ e, occurred_at: uspsTimestamp(e) })))) {
    const status: TrackingStatus = uspsStatus(e.e.eventCode) ?? current;
    current = status;
    const location = formatLocation(e.e.eventCity, e.e.eventState, e.e.eventCountry);
    events.push({
      status,
      occurred_at: e.occurred_at,
      description: e.e.eventType?.trim() || e.e.eventCode || "",
      ...(location ? { location } : {}),
      ...(e.e.eventCode ? { carrier_code: e.e.eventCode } : {}),
    });
  }
  const category = CATEGORY[r.statusCategory?.trim().toLowerCase() ?? ""];
  // The newest event's code is more precise than the category; the category covers unknown codes.
  const status = uspsStatus(r.trackingEvents?.[0]?.eventCode) ?? category ??
    events.at(-1)?.status ??
    "label_created";
  const out: NormalizedShipment = { status, events };
  const estimate = r.expectedDeliveryTimeStamp ?? r.predictedDeliveryTimeStamp ??
    r.predictedDeliveryDate;
  if (estimate && status !== "delivered") out.estimated_delivery = estimate.slice(0, 10);
  const begins = r.predictedDeliveryWindowStartTime, ends = r.predictedDeliveryWindowEndTime;
  if (begins && ends && HAS_ZONE.test(begins) && HAS_ZONE.test(ends)) {
    out.estimated_window = { begins, ends };
  }
  return out;
}

export type UspsOptions = AdapterOptions;

export function uspsTokenRequest(c: CarrierCredentials): OutboundRequest {
  // JSON per the official README; the `tracking` scope is not granted unless asked for.
  return {
    url: new URL("/oauth2/v3/token", c.baseUrl),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...clientCredentialsGrant(c), scope: "tracking" }),
  };
}

const USPS_ANSWERS: AnswerFormat<z.infer<typeof TrackResponse>> = {
  name: "USPS",
  schema: TrackResponse,
  readError: (body) => {
    const e = ErrorResponse.safeParse(body);
    return e.success ? { message: e.data.error.message ?? undefined } : undefined;
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

  track(numbers: string[]): Promise<Map<string, TrackResult>> {
    return trackOneByOne("usps", numbers, (n) => this.#trackOne(n));
  }

  async #trackOne(n: string): Promise<TrackResult> {
    const answer = await trackCall(this.#session, [n], (token) => {
      const url = this.#session.url(`/tracking/v3/tracking/${encodeURIComponent(n)}`);
      url.searchParams.set("expand", "DETAIL");
      return { url, headers: { authorization: `Bearer ${token}`, accept: "application/json" } };
    }, USPS_ANSWERS);
    if (!answer.ok) return answer.failure;
    answer.note("ok");
    return { ok: true, shipment: normalizeUsps(answer.data) };
  }
}
