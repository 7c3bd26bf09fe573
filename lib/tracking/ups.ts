/**
 * UPS Tracking API (carriers.md §2): OAuth `POST /security/v1/oauth/token` with Basic auth,
 * then one `GET /api/track/v1/details/{inquiryNumber}` per number (UPS has no batch call),
 * with the required `transId` (unique per request, kept in the integration log) and
 * `transactionSrc` headers.
 *
 * "Not found" comes two ways: the documented 404, and HTTP 200 with warning `TW0001` and no
 * package (UPS-API/api-documentation #102, #166, #198): both are "awaiting first scan".
 * Activities are newest first, with local `date`/`time` plus `gmtOffset` when UPS sends it;
 * without it (the official Postman example, issue #38) the local time is resolved in the
 * activity's place's zone. Status comes from the activity type refined by its codes: customs
 * clearance (type X) is in transit, customs holds are exceptions, "We have your package"
 * (OC, type I) is a pickup.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { DeliveryFacts, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import {
  type AdapterOptions,
  type AnswerFormat,
  awaitingFirstScan,
  type CarrierCredentials,
  CarrierSession,
  formatLocation,
  oldestFirst,
  trackCall,
  trackOneByOne,
} from "./carrier_http.ts";
import { codeTable, compact, leftAtPlace, logUnknownCode } from "./codes.ts";
import { type Place, zonedTime } from "./time_zones.ts";
import type { CarrierAdapter, NormalizedShipment, TrackRequest, TrackResult } from "./types.ts";

const Status = z.looseObject({
  type: z.string().nullish(),
  description: z.string().nullish(),
  code: z.string().nullish(),
  statusCode: z.string().nullish(),
}).nullish();

const Address = z.looseObject({
  city: z.string().nullish(),
  stateProvince: z.string().nullish(),
  postalCode: z.string().nullish(),
  countryCode: z.string().nullish(),
  country: z.string().nullish(),
}).nullish();

const Activity = z.looseObject({
  date: z.string().nullish(),
  time: z.string().nullish(),
  gmtDate: z.string().nullish(),
  gmtTime: z.string().nullish(),
  gmtOffset: z.string().nullish(),
  location: z.looseObject({ address: Address }).nullish(),
  status: Status,
});

const Package = z.looseObject({
  trackingNumber: z.string().nullish(),
  activity: z.array(Activity).nullish(),
  currentStatus: Status,
  deliveryDate: z.array(z.looseObject({ type: z.string().nullish(), date: z.string().nullish() }))
    .nullish(),
  deliveryTime: z.looseObject({
    type: z.string().nullish(),
    startTime: z.string().nullish(),
    endTime: z.string().nullish(),
  }).nullish(),
  deliveryInformation: z.looseObject({
    location: z.string().nullish(),
    receivedBy: z.string().nullish(),
    signature: z.looseObject({ image: z.string().nullish() }).nullish(),
    deliveryPhoto: z.looseObject({
      photo: z.string().nullish(),
      photoDispositionCode: z.string().nullish(),
    }).nullish(),
    pod: z.looseObject({ content: z.string().nullish() }).nullish(),
  }).nullish(),
  packageAddress: z.array(z.looseObject({ type: z.string().nullish(), address: Address }))
    .nullish(),
});

const TrackResponse = z.looseObject({
  trackResponse: z.looseObject({
    shipment: z.array(z.looseObject({
      inquiryNumber: z.string().nullish(),
      package: z.array(Package).nullish(),
      warnings: z.array(
        z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }),
      ).nullish(),
    })).nullish(),
  }),
});

const ErrorResponse = z.looseObject({
  response: z.looseObject({
    errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() })),
  }),
});

type UpsPackage = z.infer<typeof Package>;
type UpsStatus = z.infer<typeof Status>;

/**
 * 3-digit `statusCode` → our status. Source: UPS Tracking appendix "Status/Description Codes"
 * (developer.ups.com, as vendored in karrio `ups/vendors/Tracking-status-description-codes.html`).
 * Clearance in progress/completed (012, 014, 084, 092, 134) is in transit; pending government
 * or broker release and clearance information required (058, 123–126) are exceptions.
 */
const STATUS_CODES = codeTable([
  ["label_created", "003 007 080 157 166"],
  ["picked_up", "038 160 167 168 169"],
  [
    "in_transit",
    "005 010 012 014 016 025 039 044 045 047 057 071 073 074 075 079 084 087 092 134 138 " +
    "158 159 164 165",
  ],
  ["out_for_delivery", "006 021 037 072 078 089 091 146 162"],
  ["delivered", "011 026 143"],
  [
    "exception",
    "013 017 018 019 022 023 024 029 030 032 033 034 035 036 040 046 048 049 050 051 052 " +
    "053 058 059 060 061 062 064 065 066 067 068 069 076 081 083 085 086 090 123 124 125 " +
    "126 131 132 135 139 141 144 145 147 148 149 161 163",
  ],
]);
/**
 * 2-letter scan `code` of a type I activity → our status. Source: UPS appendix "Movement
 * Scans" (same vendored file): OR "Origin scan or we have your package", PU pickup, XD drop
 * off, OC origin scan of a trailer load, PC/PT pickup by car/trailer; OT/OF/OD/YI/YF out for
 * delivery.
 */
const SCAN_CODES = codeTable([
  ["picked_up", "OR PU XD OC PC PT"],
  ["out_for_delivery", "OT OF OD YI YF"],
]);
/** Label-only codes (appendix "Manifest Codes"; PL/MP also in "Movement Scans"). */
const LABEL_CODES = new Set(["MP", "PL", "RD"]);
/** Customs release scans that come as type X (Tracking.yaml example: SR "released by customs"). */
const CUSTOMS_RELEASE_CODES = new Set(["SR"]);
/** Activity types (appendix "Package Activity Types"). */
const TYPE_STATUS: Record<string, TrackingStatus> = {
  D: "delivered",
  I: "in_transit",
  M: "label_created",
  MV: "exception",
  X: "exception",
  DO: "in_transit",
  DD: "in_transit",
  W: "in_transit",
  P: "picked_up", // legacy XML API only
};

/** Our status for a UPS activity status; undefined = an update or a status we cannot read. */
export function upsStatus(s: UpsStatus): TrackingStatus | undefined {
  if (!s) return undefined;
  const type = s.type?.trim().toUpperCase() ?? "";
  const code = s.code?.trim().toUpperCase() ?? "";
  const statusCode = s.statusCode?.trim() ?? "";
  const byStatus = STATUS_CODES.get(statusCode);
  switch (type) {
    case "U":
    case "NA":
      return undefined;
    case "D":
      return "delivered";
    case "M":
      return "label_created";
    case "MV":
      return "exception";
    case "I":
      if (LABEL_CODES.has(code)) return "label_created";
      return SCAN_CODES.get(code) ??
        (byStatus && byStatus !== "exception" && byStatus !== "label_created"
          ? byStatus
          : "in_transit");
    case "X":
      // Routine customs clearance and "on the way" come as exceptions: read the code.
      if (CUSTOMS_RELEASE_CODES.has(code) && byStatus !== "exception") return "in_transit";
      return byStatus === "in_transit" || byStatus === "picked_up" ? byStatus : "exception";
    case "":
      break;
    default:
      if (TYPE_STATUS[type]) return TYPE_STATUS[type];
      logUnknownCode("ups", "status.type", type);
  }
  // No (known) type, e.g. a currentStatus with only a code: the codes decide.
  const byCode = byStatus ?? STATUS_CODES.get(code) ??
    (LABEL_CODES.has(code) ? "label_created" : SCAN_CODES.get(code));
  if (!byCode && (statusCode || code)) logUnknownCode("ups", "status.code", statusCode || code);
  return byCode;
}

/** "-05:00" / "-0500" / "-05.00" (Track Alert) → "-05:00". */
function offsetOf(raw: string | null | undefined): string | undefined {
  const m = raw?.trim().match(/^([+-])(\d{1,2})[:.]?(\d{2})$/);
  return m ? `${m[1]}${m[2].padStart(2, "0")}:${m[3]}` : undefined;
}

const ymd = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
// The spec's own example gmtTime is "74700": times may lose their leading zero.
const hms = (raw: string) => {
  const t = raw.replaceAll(":", "").padStart(6, "0");
  return `${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
};
const isYmd = (d: string | null | undefined): d is string => !!d && /^\d{8}$/.test(d);
const isHms = (t: string | null | undefined): t is string =>
  !!t && /^\d{1,6}$|^\d{2}:\d{2}(:\d{2})?$/.test(t);

function place(a: z.infer<typeof Address>): Place | undefined {
  if (!a) return undefined;
  return {
    city: a.city,
    state: a.stateProvince,
    postal_code: a.postalCode,
    country: a.countryCode ?? a.country,
  };
}

/**
 * Local date + time + GMT offset → ISO 8601 with offset; else UTC from gmtDate/gmtTime; else
 * the local time resolved in the zone of `places` (see time_zones.ts).
 */
export function upsTime(
  a: z.infer<typeof Activity>,
  places: (Place | undefined)[] = [],
): { occurred_at: string; time_zone?: string; time_zone_unknown?: true } {
  const off = offsetOf(a.gmtOffset);
  if (isYmd(a.date) && isHms(a.time) && off) {
    return { occurred_at: `${ymd(a.date)}T${hms(a.time)}${off}` };
  }
  if (a.gmtDate && isHms(a.gmtTime)) {
    const d = a.gmtDate.includes("-") ? a.gmtDate : ymd(a.gmtDate);
    return { occurred_at: `${d}T${hms(a.gmtTime)}Z` };
  }
  if (isYmd(a.date)) return zonedTime(`${ymd(a.date)}T${hms(a.time ?? "0")}`, places);
  return { occurred_at: "", time_zone_unknown: true };
}

/** The instant only (kept for the spec-example tests). */
export function upsTimestamp(a: z.infer<typeof Activity>): string {
  return upsTime(a).occurred_at;
}

function packagePlace(p: UpsPackage, type: "ORIGIN" | "DESTINATION"): Place | undefined {
  return place(p.packageAddress?.find((a) => a.type?.toUpperCase() === type)?.address);
}

function deliveryFacts(
  p: UpsPackage,
  status: TrackingStatus,
  newest: z.infer<typeof Activity> | undefined,
  scheduled: string | undefined,
  rescheduled: string | undefined,
): DeliveryFacts | undefined {
  const info = p.deliveryInformation;
  const delivered = status === "delivered";
  const where = delivered ? info?.location?.trim() : undefined;
  const photo = info?.deliveryPhoto;
  const hasPhoto = !!(photo?.photo || photo?.photoDispositionCode?.toUpperCase() === "V");
  const hasSignature = !!info?.signature?.image;
  const hasPod = !!info?.pod?.content;
  const exceptionText = status === "exception" || rescheduled
    ? (newest?.status?.type?.toUpperCase() === "X" ? newest.status.description?.trim() : undefined)
    : undefined;
  const t = p.deliveryTime;
  const day = rescheduled ?? scheduled;
  const off = offsetOf(newest?.gmtOffset);
  const at = (time?: string | null) => {
    if (!day || !isHms(time)) return undefined;
    const wall = `${day}T${hms(time)}`;
    return off ? `${wall}${off}` : zonedTime(wall, [packagePlace(p, "DESTINATION")]).occurred_at;
  };
  // EDW/CDW/IDW: a window; CMT: a commitment ("by"); EOD: by end of day. DEL is the delivery.
  const kind = t?.type?.toUpperCase() ?? "";
  const window = !delivered && ["EDW", "CDW", "IDW", "CMT"].includes(kind)
    ? compact({ begins: kind === "CMT" ? undefined : at(t?.startTime), ends: at(t?.endTime) })
    : undefined;
  const facts = compact({
    received_by: delivered ? info?.receivedBy?.trim() : undefined,
    left_at: leftAtPlace(where),
    left_at_text: where,
    delay_reason: exceptionText,
    revised_estimate: !delivered ? rescheduled : undefined,
    window,
    proof_of_delivery: delivered
      ? hasSignature || hasPhoto || hasPod
        ? {
          available: true,
          kind: hasSignature
            ? "signature" as const
            : hasPhoto
            ? "photo" as const
            : "document" as const,
          ...(hasPod ? { document: "ups_pod" as const } : {}),
        }
        : { available: false }
      : undefined,
  }) as DeliveryFacts;
  return Object.keys(facts).length ? facts : undefined;
}

/** Normalizes one UPS `package[]` entry. */
export function normalizeUps(p: UpsPackage): NormalizedShipment {
  const origin = packagePlace(p, "ORIGIN");
  const destination = packagePlace(p, "DESTINATION");
  const acts = [...(p.activity ?? [])].reverse().map((a) => {
    const st = upsStatus(a.status);
    const late = st === "delivered" || st === "out_for_delivery";
    const ends = late ? [destination, origin] : [origin, destination];
    return { a, ...upsTime(a, [place(a.location?.address), ...ends]) };
  });
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const { a, occurred_at, time_zone, time_zone_unknown } of oldestFirst(acts)) {
    const st = a.status;
    const status: TrackingStatus = upsStatus(st) ?? current;
    current = status;
    const addr = a.location?.address;
    const location = formatLocation(
      addr?.city,
      addr?.stateProvince,
      addr?.countryCode ?? addr?.country,
    );
    events.push({
      status,
      occurred_at,
      description: st?.description?.trim() || st?.code || "",
      ...(location ? { location } : {}),
      carrier_code: [st?.type, st?.code, st?.statusCode].filter(Boolean).join("/"),
      ...(time_zone ? { time_zone } : {}),
      ...(time_zone_unknown ? { time_zone_unknown } : {}),
    });
  }
  const status = upsStatus(p.currentStatus) ?? events.at(-1)?.status ?? "label_created";
  const out: NormalizedShipment = { status, events };
  const dates = new Map(
    (p.deliveryDate ?? []).filter((d) => isYmd(d.date)).map((d) => [
      d.type?.toUpperCase() ?? "",
      ymd(d.date!),
    ]),
  );
  const rescheduled = dates.get("RDD");
  const scheduled = dates.get("SDD");
  const estimate = rescheduled ?? scheduled;
  if (estimate && status !== "delivered") {
    out.estimated_delivery = estimate;
    const t = p.deliveryTime;
    const off = offsetOf(p.activity?.[0]?.gmtOffset);
    if (
      t?.startTime && t?.endTime && isHms(t.startTime) && isHms(t.endTime) && off &&
      ["EDW", "CDW", "IDW"].includes(t.type?.toUpperCase() ?? "")
    ) {
      out.estimated_window = {
        begins: `${estimate}T${hms(t.startTime)}${off}`,
        ends: `${estimate}T${hms(t.endTime)}${off}`,
      };
    }
  }
  const delivery = deliveryFacts(p, status, p.activity?.[0], scheduled, rescheduled);
  if (delivery) out.delivery = delivery;
  return out;
}

export interface UpsOptions extends AdapterOptions {
  /** The `transactionSrc` header UPS asks for: names the calling application. */
  transactionSrc?: string;
}

export function upsTokenRequest(c: CarrierCredentials): OutboundRequest {
  return {
    url: new URL("/security/v1/oauth/token", c.baseUrl),
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${c.clientId}:${c.clientSecret}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials" }),
  };
}

const UPS_ANSWERS: AnswerFormat<z.infer<typeof TrackResponse>> = {
  name: "UPS",
  schema: TrackResponse,
  readError: (body, status) => {
    const e = ErrorResponse.safeParse(body);
    if (!e.success) return undefined;
    const code = e.data.response.errors[0]?.code ?? undefined;
    // Tracking.yaml: 404 "Tracking number information not found".
    return { message: code, awaiting: status === 404 };
  },
};

/** A 32-character id unique to the request, as UPS's own Java example makes its `transId`. */
const newTransId = () => crypto.randomUUID().replaceAll("-", "");

export class UpsAdapter implements CarrierAdapter {
  readonly carrier = "ups" as const;
  #session: CarrierSession;
  #src: string;

  constructor(opts: UpsOptions) {
    this.#src = opts.transactionSrc ?? "monopilot-portal";
    this.#session = new CarrierSession({
      ...opts,
      carrier: "ups",
      tokenRequest: upsTokenRequest,
      transactionId: newTransId,
    });
  }

  track(requests: TrackRequest[]): Promise<TrackResult[]> {
    return trackOneByOne("ups", requests, (n) => this.#trackOne(n));
  }

  async #trackOne(n: string): Promise<TrackResult> {
    const answer = await trackCall(this.#session, [n], (token, transId) => {
      const url = this.#session.url(`/api/track/v1/details/${encodeURIComponent(n)}`);
      url.searchParams.set("locale", "en_US");
      url.searchParams.set("returnSignature", "false");
      return {
        url,
        headers: {
          authorization: `Bearer ${token}`,
          transId: transId ?? newTransId(),
          transactionSrc: this.#src,
          accept: "application/json",
        },
      };
    }, UPS_ANSWERS);
    if (!answer.ok) return answer.result;
    const shipment = answer.data.trackResponse.shipment?.[0];
    const packages = shipment?.package ?? [];
    // A multi-package shipment lists every package; ours is the one we asked about.
    const pkg = packages.find((p) => p.trackingNumber?.toUpperCase() === n) ?? packages[0];
    if (!pkg) {
      // "Not found" as HTTP 200 with warning TW0001 and no package (see the module comment).
      const warning = shipment?.warnings?.[0]?.code ?? "no package";
      answer.note("not_found", warning);
      return awaitingFirstScan(warning);
    }
    answer.note("ok");
    return { ok: true, shipment: normalizeUps(pkg) };
  }
}
