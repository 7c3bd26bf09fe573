/**
 * FedEx Track API v1 (carriers.md §1): OAuth `POST /oauth/token` (form), then
 * `POST /track/v1/trackingnumbers` with up to 30 numbers a call, each call carrying our
 * `x-customer-transaction-id` (kept in the integration log).
 *
 * What real answers do (samples in tests/fixtures/carriers/fedex): a reused number comes back
 * with several `trackResults`, one per shipment that used it; we take the one whose ship date
 * is nearest our `shipped_at` (never another shipment's events), remember its
 * `trackingNumberUniqueId` and ask by it next time. A result can carry data and an empty
 * `error: {}`, which is no error. An unknown or new number is HTTP 200 with a per-result
 * NOTFOUND error: "awaiting first scan". `scanEvents` come newest first; a pickup scan can
 * have a local time without offset (resolved in the scan's place's zone); `derivedCode` can
 * be wrong (an `OD` with `derivedCode: "IT"`), so the event/status code wins over it.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { DeliveryFacts, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import {
  acceptNumber,
  type AdapterOptions,
  type AnswerFormat,
  awaitingFirstScan,
  type CarrierCredentials,
  CarrierSession,
  clientCredentialsGrant,
  formatLocation,
  isStopFailure,
  oldestFirst,
  trackCall,
} from "./carrier_http.ts";
import { codeTable, compact, leftAtPlace, logUnknownCode } from "./codes.ts";
import { datePart, type Place, zonedTime } from "./time_zones.ts";
import type { CarrierAdapter, NormalizedShipment, TrackRequest, TrackResult } from "./types.ts";

export const FEDEX_BATCH_SIZE = 30;
/** A result whose ship date is further than this from our `shipped_at` is another shipment. */
export const FEDEX_SHIP_DATE_TOLERANCE_DAYS = 14;

/**
 * Scan `eventType` and `latestStatusDetail.code` → our status. Source: FedEx "Tracking Status
 * Codes" (developer.fedex.com, as vendored in karrio `fedex/vendor/Tracking-Status-Codes.html`;
 * AE/AO from the Track API changelog 2021-10-15). Customs: CC cleared and CP in progress are
 * in transit, CD clearance delay is an exception.
 */
const EVENT_STATUS = codeTable([
  ["label_created", "OC OX"],
  ["picked_up", "PU PX"],
  [
    "in_transit",
    "IT IX AR AF DP LO OF FD SF AA PF PL AC AX EA EO TR AO AE EP AP PM OW DS DR CC CP",
  ],
  ["out_for_delivery", "OD ED AD"],
  ["delivered", "DL"],
  ["exception", "DE SE DY DD PD CD CA RS HL HP"],
]);
/** Same page: delivery-option (CDO) requests, return-label links, location change, split. */
const UPDATES = new Set(["RR", "RM", "RC", "RP", "LP", "RG", "RD", "CH", "SP"]);
/**
 * `derivedStatusCode` / `derivedCode`: FedEx's own grouping, our fallback for an unknown event
 * code (values seen in FedEx answers: IN initiated, RL running late, DY delay).
 */
const DERIVED_STATUS = codeTable([
  ["label_created", "IN OC"],
  ["picked_up", "PU"],
  ["in_transit", "IT RL AO AE"],
  ["out_for_delivery", "OD"],
  ["delivered", "DL"],
  ["exception", "DE DY DD PD SE CA RS HL HP CD"],
]);
const DELAY_EVENTS = new Set(["DY", "DD", "PD", "CD", "DE", "SE"]);

/** Our status for a FedEx event/status code; undefined = not a state change (or unknown). */
export function fedexStatus(code: string | null | undefined): TrackingStatus | undefined {
  return code ? EVENT_STATUS.get(code.toUpperCase()) : undefined;
}

const Address = z.looseObject({
  city: z.string().nullish(),
  stateOrProvinceCode: z.string().nullish(),
  postalCode: z.string().nullish(),
  countryCode: z.string().nullish(),
}).nullish();

const LocationWrap = z.looseObject({
  locationContactAndAddress: z.looseObject({ address: Address }).nullish(),
}).nullish();

const DelayDetail = z.looseObject({
  type: z.string().nullish(),
  subType: z.string().nullish(),
  status: z.string().nullish(),
}).nullish();

const ScanEvent = z.looseObject({
  date: z.string(),
  eventType: z.string().nullish(),
  eventDescription: z.string().nullish(),
  exceptionCode: z.string().nullish(),
  exceptionDescription: z.string().nullish(),
  scanLocation: Address,
  derivedStatusCode: z.string().nullish(),
  delayDetail: DelayDetail,
});

const Window = z.looseObject({
  window: z.looseObject({ begins: z.string().nullish(), ends: z.string().nullish() }).nullish(),
}).nullish();

const TrackResultSchema = z.looseObject({
  trackingNumberInfo: z.looseObject({
    trackingNumber: z.string().nullish(),
    trackingNumberUniqueId: z.string().nullish(),
  }).nullish(),
  latestStatusDetail: z.looseObject({
    code: z.string().nullish(),
    derivedCode: z.string().nullish(),
    description: z.string().nullish(),
    scanLocation: Address,
    ancillaryDetails: z.array(z.looseObject({
      reason: z.string().nullish(),
      reasonDescription: z.string().nullish(),
    })).nullish(),
    delayDetail: DelayDetail,
  }).nullish(),
  scanEvents: z.array(ScanEvent).nullish(),
  dateAndTimes: z.array(z.looseObject({ type: z.string(), dateTime: z.string().nullish() }))
    .nullish(),
  estimatedDeliveryTimeWindow: Window,
  standardTransitTimeWindow: Window,
  deliveryDetails: z.looseObject({
    receivedByName: z.string().nullish(),
    signedByName: z.string().nullish(),
    deliveryAttempts: z.union([z.string(), z.number()]).nullish(),
    locationType: z.string().nullish(),
    locationDescription: z.string().nullish(),
  }).nullish(),
  availableImages: z.array(z.looseObject({ type: z.string().nullish() })).nullish(),
  originLocation: LocationWrap,
  destinationLocation: LocationWrap,
  shipperInformation: z.looseObject({ address: Address }).nullish(),
  recipientInformation: z.looseObject({ address: Address }).nullish(),
  lastUpdatedDestinationAddress: Address,
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

export type FedexTrackResult = z.infer<typeof TrackResultSchema>;
type FedexAddress = z.infer<typeof Address>;

function place(a: FedexAddress): Place | undefined {
  if (!a) return undefined;
  return {
    city: a.city,
    state: a.stateOrProvinceCode,
    postal_code: a.postalCode,
    country: a.countryCode,
  };
}

function originOf(r: FedexTrackResult): Place | undefined {
  return place(
    r.originLocation?.locationContactAndAddress?.address ?? r.shipperInformation?.address,
  );
}

function destinationOf(r: FedexTrackResult): Place | undefined {
  return place(
    r.destinationLocation?.locationContactAndAddress?.address ??
      r.lastUpdatedDestinationAddress ?? r.recipientInformation?.address,
  );
}

/** An event's status: its code, else FedEx's derived group, else the status before it. */
function eventStatus(e: z.infer<typeof ScanEvent>, previous: TrackingStatus): TrackingStatus {
  const code = e.eventType?.toUpperCase() ?? "";
  if (UPDATES.has(code)) return previous;
  const byCode = fedexStatus(code);
  if (byCode) return byCode;
  const derived = e.derivedStatusCode?.toUpperCase() ?? "";
  const byDerived = DERIVED_STATUS.get(derived);
  if (code || derived) logUnknownCode("fedex", "eventType", code || derived);
  return byDerived ?? previous;
}

/** A FedEx time as an instant (see time_zones.ts); `late` events resolve at the destination. */
function fedexTime(raw: string, where: FedexAddress, r: FedexTrackResult, late: boolean) {
  const ends = late ? [destinationOf(r), originOf(r)] : [originOf(r), destinationOf(r)];
  return zonedTime(raw, [place(where), ...ends]);
}

function toEvents(r: FedexTrackResult): TrackingEvent[] {
  // Newest first on the wire: walk oldest first so "no change" events inherit correctly.
  const scans = [...(r.scanEvents ?? [])].reverse().map((s) => {
    const late = ["OD", "ED", "AD", "DL"].includes(s.eventType?.toUpperCase() ?? "");
    return { s, ...fedexTime(s.date, s.scanLocation, r, late) };
  });
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const { s, occurred_at, time_zone, time_zone_unknown } of oldestFirst(scans)) {
    const status = eventStatus(s, current);
    current = status;
    const code = s.eventType?.toUpperCase() ?? "";
    const text = [s.eventDescription, s.exceptionDescription].map((t) => t?.trim())
      .filter(Boolean).join(": ");
    const location = formatLocation(
      s.scanLocation?.city,
      s.scanLocation?.stateOrProvinceCode,
      s.scanLocation?.countryCode,
    );
    events.push({
      status,
      occurred_at,
      description: text || code,
      ...(location ? { location } : {}),
      carrier_code: s.exceptionCode ? `${code}/${s.exceptionCode}` : code,
      ...(time_zone ? { time_zone } : {}),
      ...(time_zone_unknown ? { time_zone_unknown } : {}),
    });
  }
  return events;
}

function delayWords(d: z.infer<typeof DelayDetail>): string | undefined {
  if (!d?.type) return undefined;
  const words = [d.type, d.subType].filter(Boolean).map((w) => w!.toLowerCase().replace(/_/g, " "));
  return words.join(": ").replace(/^./, (c) => c.toUpperCase());
}

function deliveryFacts(
  r: FedexTrackResult,
  status: TrackingStatus,
  estimate: string | undefined,
): DeliveryFacts | undefined {
  const d = r.deliveryDetails;
  const latest = r.latestStatusDetail;
  const delayed = latest?.delayDetail?.status?.toUpperCase() === "DELAYED" ||
    latest?.derivedCode?.toUpperCase() === "RL" || status === "exception";
  const problem = (r.scanEvents ?? []).find((e) =>
    DELAY_EVENTS.has(e.eventType?.toUpperCase() ?? "")
  );
  const reason = delayed
    ? latest?.ancillaryDetails?.find((a) => a.reasonDescription)?.reasonDescription ??
      (problem?.exceptionDescription?.trim() || problem?.eventDescription?.trim()) ??
      delayWords(latest?.delayDetail)
    : undefined;
  const delivered = status === "delivered";
  const attempts = Number(d?.deliveryAttempts ?? 0);
  const w = r.estimatedDeliveryTimeWindow?.window;
  const standard = r.standardTransitTimeWindow?.window;
  const dest = destinationOf(r);
  const windowEnd = (t?: string | null) => t ? zonedTime(t, [dest]).occurred_at : undefined;
  const window = !delivered && (w?.begins || w?.ends)
    ? compact({ begins: windowEnd(w.begins), ends: windowEnd(w.ends) })
    : !delivered && standard?.ends
    ? { ends: windowEnd(standard.ends) }
    : undefined;
  const spod = (r.availableImages ?? []).some((i) =>
    i.type?.toUpperCase() === "SIGNATURE_PROOF_OF_DELIVERY"
  );
  const where = delivered ? d?.locationDescription?.trim() : undefined;
  const facts = compact({
    received_by: delivered ? d?.receivedByName?.trim() : undefined,
    signed_by: delivered ? d?.signedByName?.trim() : undefined,
    left_at: leftAtPlace(where),
    left_at_text: where,
    attempts: attempts > 0 ? attempts : undefined,
    delay_reason: reason || undefined,
    revised_estimate: delayed && !delivered ? estimate : undefined,
    window,
    proof_of_delivery: delivered
      ? spod
        ? {
          available: true,
          kind: "signature" as const,
          document: "fedex_signature_proof_of_delivery" as const,
        }
        : { available: false }
      : undefined,
  }) as DeliveryFacts;
  return Object.keys(facts).length ? facts : undefined;
}

/** Normalizes one FedEx `trackResults[]` entry. */
export function normalizeFedex(r: FedexTrackResult): NormalizedShipment {
  const events = toEvents(r);
  const latest = r.latestStatusDetail;
  const byLatest = fedexStatus(latest?.code) ??
    (latest?.code && UPDATES.has(latest.code.toUpperCase())
      ? undefined
      : DERIVED_STATUS.get(latest?.derivedCode?.toUpperCase() ?? ""));
  if (latest?.code && !fedexStatus(latest.code) && !UPDATES.has(latest.code.toUpperCase())) {
    logUnknownCode("fedex", "latestStatusDetail.code", latest.code);
  }
  const status = byLatest ?? events.at(-1)?.status ?? "label_created";
  const dates = new Map((r.dateAndTimes ?? []).map((d) => [d.type, d.dateTime ?? undefined]));
  const w = r.estimatedDeliveryTimeWindow?.window;
  const estimate = datePart(
    dates.get("ESTIMATED_DELIVERY") ?? dates.get("APPOINTMENT_DELIVERY") ??
      dates.get("COMMITMENT") ?? w?.ends ?? w?.begins,
  );
  const out: NormalizedShipment = { status, events };
  if (estimate && status !== "delivered") out.estimated_delivery = estimate;
  if (w?.begins && w?.ends) {
    const dest = [destinationOf(r)];
    out.estimated_window = {
      begins: zonedTime(w.begins, dest).occurred_at,
      ends: zonedTime(w.ends, dest).occurred_at,
    };
  }
  const delivery = deliveryFacts(r, status, out.estimated_delivery);
  if (delivery) out.delivery = delivery;
  const id = r.trackingNumberInfo?.trackingNumberUniqueId?.trim();
  if (id) out.carrier_ref = id;
  return out;
}

/** A result with tracking data (an `error` beside data, even `{}`, does not void it). */
function hasData(r: FedexTrackResult): boolean {
  return !!(r.latestStatusDetail?.code || r.scanEvents?.length);
}

/** The shipment's ship date (YYYY-MM-DD): SHIP, else pickup/tender, else its first scan. */
export function fedexShipDate(r: FedexTrackResult): string | undefined {
  const dates = new Map((r.dateAndTimes ?? []).map((d) => [d.type, d.dateTime ?? undefined]));
  const raw = dates.get("SHIP") ?? dates.get("ACTUAL_PICKUP") ?? dates.get("ACTUAL_TENDER") ??
    dates.get("ANTICIPATED_TENDER") ?? r.scanEvents?.at(-1)?.date;
  return datePart(raw);
}

const DAY_MS = 86_400_000;

/**
 * Which of a number's results is our shipment: the remembered unique id; else the ship date
 * nearest our `shipped_at` (within the tolerance); else, with no `shipped_at`, the newest.
 * Undefined when none of them is ours (a reused number whose new shipment FedEx has not seen).
 */
export function chooseFedexResult(
  results: FedexTrackResult[],
  req: Pick<TrackRequest, "shipped_at" | "carrier_ref">,
): FedexTrackResult | undefined {
  const candidates = results.filter(hasData);
  if (req.carrier_ref) {
    const byId = candidates.find((r) =>
      r.trackingNumberInfo?.trackingNumberUniqueId === req.carrier_ref
    );
    if (byId) return byId;
  }
  const shipped = req.shipped_at ? Date.parse(req.shipped_at) : Number.NaN;
  const dated = candidates.map((r) => {
    const d = fedexShipDate(r);
    return { r, at: d ? Date.parse(`${d}T12:00:00Z`) : Number.NaN };
  });
  if (Number.isNaN(shipped)) {
    if (dated.length <= 1) return dated[0]?.r;
    return [...dated].sort((a, b) => (b.at || 0) - (a.at || 0))[0].r;
  }
  let best: { r: FedexTrackResult; days: number } | undefined;
  for (const { r, at } of dated) {
    const days = Number.isNaN(at) ? Number.POSITIVE_INFINITY : Math.abs(at - shipped) / DAY_MS;
    if (!best || days < best.days) best = { r, days };
  }
  if (!best) return undefined;
  // Undated results are ours only when they are the only one (nothing else to compare).
  if (best.days === Number.POSITIVE_INFINITY) return dated.length === 1 ? best.r : undefined;
  return best.days <= FEDEX_SHIP_DATE_TOLERANCE_DAYS ? best.r : undefined;
}

const AWAITING_CODES = /NOTFOUND|NOT\.FOUND/;

/** A number's answer for one of our shipments, from all the results FedEx gave for it. */
function resultFor(results: FedexTrackResult[], req: TrackRequest): TrackResult {
  const chosen = chooseFedexResult(results, req);
  if (chosen) return { ok: true, shipment: normalizeFedex(chosen) };
  if (results.some(hasData)) {
    return awaitingFirstScan("no FedEx shipment with this number near our ship date");
  }
  const code = results.find((r) => r.error?.code)?.error?.code ?? "";
  if (!code || AWAITING_CODES.test(code)) {
    return awaitingFirstScan(code || "no tracking data");
  }
  return { ok: false, reason: "bad_request", message: code };
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
  readError: (body, status) => {
    const errors = ErrorResponse.safeParse(body);
    const code = errors.success ? errors.data.errors[0]?.code : undefined;
    if (!code) return undefined;
    // The spec's 400 NOTFOUND and 404 NOT.FOUND.ERROR for a number: no scan yet.
    const awaiting = code === "TRACKING.TRACKINGNUMBER.NOTFOUND" ||
      (status === 404 && code === "NOT.FOUND.ERROR");
    return { message: code, awaiting };
  },
};

interface Wire {
  number: string;
  /** Sent as `trackingNumberUniqueId` when every request for the number remembers the same. */
  uniqueId?: string;
}

export class FedexAdapter implements CarrierAdapter {
  readonly carrier = "fedex" as const;
  #session: CarrierSession;

  constructor(opts: FedexOptions) {
    this.#session = new CarrierSession({
      ...opts,
      carrier: "fedex",
      tokenRequest: fedexTokenRequest,
      transactionId: () => crypto.randomUUID(),
    });
  }

  async track(requests: TrackRequest[]): Promise<TrackResult[]> {
    const results: (TrackResult | undefined)[] = requests.map(() => undefined);
    const wanted = new Map<string, { index: number; req: TrackRequest }[]>();
    requests.forEach((req, index) => {
      const accepted = acceptNumber("fedex", req.tracking_number);
      if ("refused" in accepted) results[index] = accepted.refused;
      else {
        const list = wanted.get(accepted.normalized) ?? [];
        list.push({ index, req });
        wanted.set(accepted.normalized, list);
      }
    });
    const wires: Wire[] = [...wanted].map(([number, reqs]) => {
      const ids = new Set(reqs.map((r) => r.req.carrier_ref ?? ""));
      const [only] = ids;
      return { number, ...(ids.size === 1 && only ? { uniqueId: only } : {}) };
    });
    let stop: TrackResult | undefined;
    for (let i = 0; i < wires.length; i += FEDEX_BATCH_SIZE) {
      const batch = wires.slice(i, i + FEDEX_BATCH_SIZE);
      // After a rate limit, outage or auth failure, don't spend calls on the other batches.
      const answer = stop ? { failed: stop } : await this.#trackBatch(batch);
      for (const w of batch) {
        for (const { index, req } of wanted.get(w.number)!) {
          if ("failed" in answer) results[index] = answer.failed;
          else {
            const found = answer.byNumber.get(w.number);
            results[index] = found
              ? resultFor(found, req)
              : { ok: false, reason: "server_error", message: "not in FedEx response" };
          }
        }
      }
      if (!stop && "failed" in answer && isStopFailure(answer.failed)) stop = answer.failed;
    }
    return results.map((r) => r!);
  }

  async #trackBatch(
    batch: Wire[],
  ): Promise<{ failed: TrackResult } | { byNumber: Map<string, FedexTrackResult[]> }> {
    const numbers = batch.map((w) => w.number);
    const answer = await trackCall(
      this.#session,
      numbers,
      (token, transactionId) => ({
        url: this.#session.url("/track/v1/trackingnumbers"),
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-locale": "en_US",
          ...(transactionId ? { "x-customer-transaction-id": transactionId } : {}),
        },
        body: JSON.stringify({
          includeDetailedScans: true,
          trackingInfo: batch.map((w) => ({
            trackingNumberInfo: {
              trackingNumber: w.number,
              ...(w.uniqueId ? { trackingNumberUniqueId: w.uniqueId } : {}),
            },
          })),
        }),
      }),
      FEDEX_ANSWERS,
    );
    if (!answer.ok) return { failed: answer.result };
    const byNumber = new Map<string, FedexTrackResult[]>();
    for (const complete of answer.data.output.completeTrackResults ?? []) {
      const trackResults = complete.trackResults ?? [];
      const named = [
        complete.trackingNumber,
        ...trackResults.map((r) => r.trackingNumberInfo?.trackingNumber),
      ];
      const number = named.find((n) => n && numbers.includes(n));
      if (!number) continue;
      byNumber.set(number, [...(byNumber.get(number) ?? []), ...trackResults]);
    }
    const awaiting = [...byNumber.values()].every((rs) => !rs.some(hasData));
    answer.note(byNumber.size && awaiting ? "not_found" : "ok");
    return { byNumber };
  }
}
