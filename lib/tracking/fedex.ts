/**
 * FedEx Track API v1 (carriers.md §1): OAuth `POST /oauth/token` (form), then
 * `POST /track/v1/trackingnumbers` with up to 30 numbers a call.
 *
 * Quirks handled (captured sandbox behaviour): an unknown number is HTTP 200 with a per-result
 * `error`; `scanEvents` come newest first; `customertransactionId` is spelled with a small t;
 * `estimatedDeliveryTimeWindow.window` may be `{}`; and `derivedCode` can be wrong (an `OD`
 * with `derivedCode: "IT"`), so we normalize from `code`/`eventType` only.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import {
  acceptNumber,
  type AdapterOptions,
  type AnswerFormat,
  type CarrierCredentials,
  CarrierSession,
  clientCredentialsGrant,
  formatLocation,
  isStopFailure,
  oldestFirst,
  trackCall,
} from "./carrier_http.ts";
import type { CarrierAdapter, NormalizedShipment, TrackResult } from "./types.ts";

export const FEDEX_BATCH_SIZE = 30;

const FEDEX_STATUS: Record<string, TrackingStatus> = {};
const put = (status: TrackingStatus, codes: string) => {
  for (const c of codes.split(" ")) FEDEX_STATUS[c] = status;
};
put("label_created", "OC OX");
put("picked_up", "PU PX");
put("in_transit", "IT IX AR AF DP LO OF FD SF AA PF PL AC AX EA EO TR CC CP AO AE EP AP PM OW");
put("out_for_delivery", "OD ED AD");
put("delivered", "DL");
put("exception", "DE SE DY DD PD CD CA RS HL HP CH SP");
/** Delivery-option requests change nothing about where the parcel is. */
const FEDEX_UPDATES = new Set(["RR", "RM", "RC"]);

/** Our status for a FedEx event/status code; undefined = not a state change (or unknown). */
export function fedexStatus(code: string | undefined): TrackingStatus | undefined {
  return code ? FEDEX_STATUS[code.toUpperCase()] : undefined;
}

const Location = z.looseObject({
  city: z.string().nullish(),
  stateOrProvinceCode: z.string().nullish(),
  countryCode: z.string().nullish(),
}).nullish();

const ScanEvent = z.looseObject({
  date: z.string(),
  eventType: z.string().nullish(),
  eventDescription: z.string().nullish(),
  exceptionCode: z.string().nullish(),
  exceptionDescription: z.string().nullish(),
  scanLocation: Location,
  derivedStatusCode: z.string().nullish(),
});

const TrackResultSchema = z.looseObject({
  trackingNumberInfo: z.looseObject({ trackingNumber: z.string().nullish() }).nullish(),
  latestStatusDetail: z.looseObject({
    code: z.string().nullish(),
    derivedCode: z.string().nullish(),
    description: z.string().nullish(),
    scanLocation: Location,
  }).nullish(),
  scanEvents: z.array(ScanEvent).nullish(),
  dateAndTimes: z.array(z.looseObject({ type: z.string(), dateTime: z.string().nullish() }))
    .nullish(),
  estimatedDeliveryTimeWindow: z.looseObject({
    window: z.looseObject({ begins: z.string().nullish(), ends: z.string().nullish() }).nullish(),
  }).nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const TrackResponse = z.looseObject({
  transactionId: z.string().nullish(),
  output: z.looseObject({
    completeTrackResults: z.array(z.looseObject({
      trackingNumber: z.string().nullish(),
      trackResults: z.array(TrackResultSchema).nullish(),
    })).nullish(),
  }),
});

const ErrorResponse = z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() })),
});

type FedexTrackResult = z.infer<typeof TrackResultSchema>;

function toEvent(e: z.infer<typeof ScanEvent>, previous: TrackingStatus): TrackingEvent {
  const code = e.eventType?.toUpperCase() ?? "";
  const status = FEDEX_UPDATES.has(code) ? previous : fedexStatus(code) ?? previous;
  const text = [e.eventDescription, e.exceptionDescription].filter(Boolean).join(": ");
  const location = formatLocation(
    e.scanLocation?.city,
    e.scanLocation?.stateOrProvinceCode,
    e.scanLocation?.countryCode,
  );
  return {
    status,
    occurred_at: e.date,
    description: text || code,
    ...(location ? { location } : {}),
    carrier_code: e.exceptionCode ? `${code}/${e.exceptionCode}` : code,
  };
}

/** Normalizes one FedEx `trackResults[]` entry. */
export function normalizeFedex(r: FedexTrackResult): NormalizedShipment {
  // Newest first on the wire: walk oldest first so "no change" events inherit correctly.
  const scans = [...(r.scanEvents ?? [])].reverse();
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const scan of oldestFirst(scans.map((s) => ({ ...s, occurred_at: s.date })))) {
    const ev = toEvent(scan, current);
    current = ev.status;
    events.push(ev);
  }
  const latest = fedexStatus(r.latestStatusDetail?.code ?? undefined);
  const status = latest ?? events.at(-1)?.status ?? "label_created";
  const dates = new Map((r.dateAndTimes ?? []).map((d) => [d.type, d.dateTime ?? undefined]));
  const estimate = dates.get("ESTIMATED_DELIVERY") ?? dates.get("APPOINTMENT_DELIVERY") ??
    dates.get("COMMITMENT");
  const w = r.estimatedDeliveryTimeWindow?.window;
  const out: NormalizedShipment = { status, events };
  const estimateDate = estimate ?? w?.ends ?? w?.begins;
  if (estimateDate && status !== "delivered") out.estimated_delivery = estimateDate.slice(0, 10);
  if (w?.begins && w?.ends) out.estimated_window = { begins: w.begins, ends: w.ends };
  return out;
}

export type FedexOptions = AdapterOptions;

export function fedexTokenRequest(c: CarrierCredentials): OutboundRequest {
  return {
    url: new URL("/oauth/token", c.baseUrl),
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(clientCredentialsGrant(c)),
  };
}

const FEDEX_ANSWERS: AnswerFormat<z.infer<typeof TrackResponse>> = {
  name: "FedEx",
  schema: TrackResponse,
  readError: (body) => {
    const errors = ErrorResponse.safeParse(body);
    const code = errors.success ? errors.data.errors[0]?.code : undefined;
    if (!code) return undefined;
    // The spec's 400 for an unknown number: "not found" like the 200 form, not a bad request.
    return {
      message: code,
      reason: code === "TRACKING.TRACKINGNUMBER.NOTFOUND" ? "not_found" : undefined,
    };
  },
};

export class FedexAdapter implements CarrierAdapter {
  readonly carrier = "fedex" as const;
  #session: CarrierSession;

  constructor(opts: FedexOptions) {
    this.#session = new CarrierSession({
      ...opts,
      carrier: "fedex",
      tokenRequest: fedexTokenRequest,
    });
  }

  async track(numbers: string[]): Promise<Map<string, TrackResult>> {
    const results = new Map<string, TrackResult>();
    const wire = new Map<string, string[]>(); // normalized → as passed in
    for (const n of numbers) {
      const normalized = acceptNumber("fedex", n, results);
      if (normalized !== undefined) wire.set(normalized, [...(wire.get(normalized) ?? []), n]);
    }
    const all = [...wire.keys()];
    let stop: TrackResult | undefined;
    for (let i = 0; i < all.length; i += FEDEX_BATCH_SIZE) {
      const batch = all.slice(i, i + FEDEX_BATCH_SIZE);
      // After a rate limit, outage or auth failure, don't spend calls on the other batches.
      const byWire = stop ? new Map(batch.map((w) => [w, stop!])) : await this.#trackBatch(batch);
      for (const [w, r] of byWire) for (const n of wire.get(w) ?? []) results.set(n, r);
      const first = byWire.get(batch[0]);
      if (!stop && first && isStopFailure(first)) stop = first;
    }
    return results;
  }

  async #trackBatch(batch: string[]): Promise<Map<string, TrackResult>> {
    const out = new Map<string, TrackResult>();
    const answer = await trackCall(
      this.#session,
      batch,
      (token) => ({
        url: this.#session.url("/track/v1/trackingnumbers"),
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-locale": "en_US",
        },
        body: JSON.stringify({
          includeDetailedScans: true,
          trackingInfo: batch.map((trackingNumber) => ({
            trackingNumberInfo: { trackingNumber },
          })),
        }),
      }),
      FEDEX_ANSWERS,
    );
    if (!answer.ok) {
      for (const n of batch) out.set(n, answer.failure);
      return out;
    }
    answer.note("ok");
    for (const complete of answer.data.output.completeTrackResults ?? []) {
      const number = complete.trackingNumber ??
        complete.trackResults?.[0]?.trackingNumberInfo?.trackingNumber;
      if (!number || !batch.includes(number) || out.has(number)) continue;
      const results = complete.trackResults ?? [];
      // A duplicated number has several results; the first without an error wins.
      const good = results.find((r) => !r.error);
      if (good) {
        out.set(number, { ok: true, shipment: normalizeFedex(good) });
        continue;
      }
      const code = results[0]?.error?.code ?? "";
      out.set(number, {
        ok: false,
        reason: /NOTFOUND/.test(code) || code === "" ? "not_found" : "bad_request",
        message: code || "no trackResults",
      });
    }
    for (const n of batch) {
      if (!out.has(n)) out.set(n, { ok: false, reason: "not_found", message: "not in response" });
    }
    return out;
  }
}
