/**
 * UPS Tracking API (carriers.md §2): OAuth `POST /security/v1/oauth/token` with Basic auth,
 * then one `GET /api/track/v1/details/{inquiryNumber}` per number (UPS has no batch call).
 *
 * "Not found" comes two ways: the documented 404, and HTTP 200 with warning `TW0001` and no
 * package (UPS-API/api-documentation #102, #166). Activities are newest first, with local
 * `date`/`time` plus `gmtOffset`, which we join into ISO 8601 with offset.
 */
import { z } from "zod";
import type { OutboundRequest } from "@/lib/http/client.ts";
import type { TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import {
  type AdapterOptions,
  type AnswerFormat,
  type CarrierCredentials,
  CarrierSession,
  formatLocation,
  oldestFirst,
  trackCall,
  trackOneByOne,
} from "./carrier_http.ts";
import type { CarrierAdapter, NormalizedShipment, TrackResult } from "./types.ts";

const Status = z.looseObject({
  type: z.string().nullish(),
  description: z.string().nullish(),
  code: z.string().nullish(),
  statusCode: z.string().nullish(),
}).nullish();

const Activity = z.looseObject({
  date: z.string().nullish(),
  time: z.string().nullish(),
  gmtDate: z.string().nullish(),
  gmtTime: z.string().nullish(),
  gmtOffset: z.string().nullish(),
  location: z.looseObject({
    address: z.looseObject({
      city: z.string().nullish(),
      stateProvince: z.string().nullish(),
      countryCode: z.string().nullish(),
      country: z.string().nullish(),
    }).nullish(),
  }).nullish(),
  status: Status,
});

const Package = z.looseObject({
  trackingNumber: z.string().nullish(),
  activity: z.array(Activity).nullish(),
  currentStatus: Status,
  deliveryDate: z.array(z.looseObject({ type: z.string().nullish(), date: z.string() })).nullish(),
  deliveryTime: z.looseObject({
    type: z.string().nullish(),
    startTime: z.string().nullish(),
    endTime: z.string().nullish(),
  }).nullish(),
});

const TrackResponse = z.looseObject({
  trackResponse: z.looseObject({
    shipment: z.array(z.looseObject({
      inquiryNumber: z.string().nullish(),
      package: z.array(Package).nullish(),
      warnings: z.array(
        z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }),
      )
        .nullish(),
    })).nullish(),
  }),
});

const ErrorResponse = z.looseObject({
  response: z.looseObject({
    errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() })),
  }),
});

const set = (s: string) => new Set(s.split(" "));
const LABEL_CODES = set("MP PL OC");
const PICKUP_CODES = set("PU OR XD");
const OFD_CODES = set("OT OF OD");
const PICKUP_STATUS = set("038 160");
const OFD_STATUS = set("006 021 072");
const EXCEPTION_STATUS = set("013 022 023 024 034 035 060");

/** Our status for a UPS activity status; undefined = an update that changes nothing. */
export function upsStatus(
  s: { type?: string | null; code?: string | null; statusCode?: string | null } | null | undefined,
): TrackingStatus | undefined {
  if (!s) return undefined;
  const type = s.type?.toUpperCase() ?? "";
  const code = s.code?.toUpperCase() ?? "";
  const statusCode = s.statusCode ?? "";
  if (type === "U") return undefined;
  if (type === "D" || statusCode === "011") return "delivered";
  if (type === "X" || type === "MV" || EXCEPTION_STATUS.has(statusCode)) return "exception";
  if (type === "M" || LABEL_CODES.has(code) || statusCode === "003") return "label_created";
  // `P` exists only in the legacy XML API, but costs nothing to accept.
  if (type === "P" || PICKUP_CODES.has(code) || PICKUP_STATUS.has(statusCode)) return "picked_up";
  if (OFD_CODES.has(code) || OFD_STATUS.has(statusCode)) return "out_for_delivery";
  if (type === "I" || type === "W" || type === "DO" || type === "DD") return "in_transit";
  return undefined;
}

/** "-05:00" / "-0500" / "-05.00" (Track Alert) → "-05:00". */
function offsetOf(raw: string | null | undefined): string | undefined {
  const m = raw?.trim().match(/^([+-])(\d{1,2})[:.]?(\d{2})$/);
  return m ? `${m[1]}${m[2].padStart(2, "0")}:${m[3]}` : undefined;
}

const ymd = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
// The spec's own example gmtTime is "74700": times may lose their leading zero.
const hms = (raw: string) => {
  const t = raw.padStart(6, "0");
  return `${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
};

/** Local date + time + GMT offset → ISO 8601 with offset (UTC from gmtDate/gmtTime if no offset). */
export function upsTimestamp(a: z.infer<typeof Activity>): string {
  const off = offsetOf(a.gmtOffset);
  if (a.date && a.time && off) return `${ymd(a.date)}T${hms(a.time)}${off}`;
  if (a.gmtDate && a.gmtTime) {
    const d = a.gmtDate.includes("-") ? a.gmtDate : ymd(a.gmtDate);
    const t = a.gmtTime.includes(":") ? a.gmtTime : hms(a.gmtTime);
    return `${d}T${t.length === 5 ? `${t}:00` : t}Z`;
  }
  return a.date ? `${ymd(a.date)}T${hms(a.time ?? "000000")}` : "";
}

/** Normalizes one UPS `package[]` entry. */
export function normalizeUps(p: z.infer<typeof Package>): NormalizedShipment {
  const acts = [...(p.activity ?? [])].reverse(); // newest first on the wire
  const events: TrackingEvent[] = [];
  let current: TrackingStatus = "label_created";
  for (const a of oldestFirst(acts.map((a) => ({ a, occurred_at: upsTimestamp(a) })))) {
    const st = a.a.status;
    const status: TrackingStatus = upsStatus(st) ?? current;
    current = status;
    const addr = a.a.location?.address;
    const location = formatLocation(
      addr?.city,
      addr?.stateProvince,
      addr?.countryCode ?? addr?.country,
    );
    events.push({
      status,
      occurred_at: a.occurred_at,
      description: st?.description?.trim() || st?.code || "",
      ...(location ? { location } : {}),
      carrier_code: [st?.type, st?.code, st?.statusCode].filter(Boolean).join("/"),
    });
  }
  const status = upsStatus(p.currentStatus) ?? events.at(-1)?.status ?? "label_created";
  const out: NormalizedShipment = { status, events };
  const dates = new Map((p.deliveryDate ?? []).map((d) => [d.type ?? "", d.date]));
  const estimate = dates.get("RDD") ?? dates.get("SDD");
  if (estimate && status !== "delivered" && /^\d{8}$/.test(estimate)) {
    out.estimated_delivery = ymd(estimate);
    const t = p.deliveryTime;
    const off = offsetOf(p.activity?.[0]?.gmtOffset);
    if (t?.startTime && t?.endTime && off && ["EDW", "CDW", "IDW"].includes(t.type ?? "")) {
      out.estimated_window = {
        begins: `${ymd(estimate)}T${hms(t.startTime)}${off}`,
        ends: `${ymd(estimate)}T${hms(t.endTime)}${off}`,
      };
    }
  }
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
  readError: (body) => {
    const e = ErrorResponse.safeParse(body);
    return e.success ? { message: e.data.response.errors[0]?.code ?? undefined } : undefined;
  },
};

export class UpsAdapter implements CarrierAdapter {
  readonly carrier = "ups" as const;
  #session: CarrierSession;
  #src: string;

  constructor(opts: UpsOptions) {
    this.#src = opts.transactionSrc ?? "monopilot-portal";
    this.#session = new CarrierSession({ ...opts, carrier: "ups", tokenRequest: upsTokenRequest });
  }

  track(numbers: string[]): Promise<Map<string, TrackResult>> {
    return trackOneByOne("ups", numbers, (n) => this.#trackOne(n));
  }

  async #trackOne(n: string): Promise<TrackResult> {
    const answer = await trackCall(this.#session, [n], (token) => {
      const url = this.#session.url(`/api/track/v1/details/${encodeURIComponent(n)}`);
      url.searchParams.set("locale", "en_US");
      url.searchParams.set("returnSignature", "false");
      return {
        url,
        headers: {
          authorization: `Bearer ${token}`,
          transId: crypto.randomUUID().replaceAll("-", "").slice(0, 32),
          transactionSrc: this.#src,
          accept: "application/json",
        },
      };
    }, UPS_ANSWERS);
    if (!answer.ok) return answer.failure;
    const shipment = answer.data.trackResponse.shipment?.[0];
    const packages = shipment?.package ?? [];
    // A multi-package shipment lists every package; ours is the one we asked about.
    const pkg = packages.find((p) => p.trackingNumber?.toUpperCase() === n) ?? packages[0];
    if (!pkg) {
      // "Not found" as HTTP 200 with warning TW0001 and no package (see the module comment).
      const warning = shipment?.warnings?.[0]?.code ?? "no package";
      answer.note("not_found");
      return { ok: false, reason: "not_found", message: warning };
    }
    answer.note("ok");
    return { ok: true, shipment: normalizeUps(pkg) };
  }
}
