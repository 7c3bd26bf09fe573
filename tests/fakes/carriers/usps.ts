/**
 * A local USPS Tracking API v3 (carriers.md §3): `POST /oauth2/v3/token` (JSON or form body;
 * refuses tokens without the `tracking` scope the way USPS does), `GET
 * /tracking/v3/tracking/{n}?expand=DETAIL` with newest-first `trackingEvents` whose
 * `eventTimestamp` has no offset (that is in `GMTOffset`), string booleans, HTML in
 * `mailClass`, the 404 "not available" answer and the `{apiVersion, error}` envelope.
 */
import { FakeCarrierBase, withUspsCheckDigit } from "./base.ts";

type Ev = {
  ts: string;
  off: string;
  code: string;
  type: string;
  city: string;
  state: string;
  zip: string;
};

function event(e: Ev) {
  return {
    eventType: e.type,
    eventTimestamp: e.ts,
    GMTTimestamp: "",
    GMTOffset: e.off,
    eventCountry: null,
    eventCity: e.city,
    eventState: e.state,
    eventZIP: e.zip,
    firm: null,
    name: null,
    authorizedAgent: "false",
    eventCode: e.code,
    actionCode: null,
    reasonCode: null,
  };
}

const GX: Ev = {
  ts: "2026-01-14T18:02:00",
  off: "-05:00",
  code: "GX",
  type: "Shipping Label Created, USPS Awaiting Item",
  city: "ATLANTA",
  state: "GA",
  zip: "30301",
};
const A03: Ev = {
  ts: "2026-01-15T10:30:00",
  off: "-05:00",
  code: "03",
  type: "USPS in possession of item",
  city: "ATLANTA",
  state: "GA",
  zip: "30301",
};
const A10: Ev = {
  ts: "2026-01-15T21:10:00",
  off: "-05:00",
  code: "10",
  type: "Arrived at USPS Regional Origin Facility",
  city: "ATLANTA GA DISTRIBUTION CENTER",
  state: "",
  zip: "",
};
// The spec example writes the offset as minutes ("-420" style); here -300 = -05:00.
const TL: Ev = {
  ts: "2026-01-16T08:45:00",
  off: "-300",
  code: "TL",
  type: "In Transit to Next Facility",
  city: "",
  state: "",
  zip: "",
};
const A07: Ev = {
  ts: "2026-01-17T06:40:00",
  off: "-05:00",
  code: "07",
  type: "Arrived at Post Office",
  city: "COLUMBUS",
  state: "OH",
  zip: "43215",
};
const OF: Ev = {
  ts: "2026-01-17T07:55:00",
  off: "-05:00",
  code: "OF",
  type: "Out for Delivery",
  city: "COLUMBUS",
  state: "OH",
  zip: "43215",
};
const D01: Ev = {
  ts: "2026-01-17T13:20:00",
  off: "-05:00",
  code: "01",
  type: "Delivered, In/At Mailbox",
  city: "COLUMBUS",
  state: "OH",
  zip: "43215",
};
const N02: Ev = {
  ts: "2026-01-17T13:20:00",
  off: "-05:00",
  code: "02",
  type: "Notice Left (No Authorized Recipient Available)",
  city: "COLUMBUS",
  state: "OH",
  zip: "43215",
};

function detail(
  number: string,
  events: Ev[],
  category: string,
  extra: Record<string, unknown> = {},
) {
  return {
    trackingNumber: number,
    additionalInfo: null,
    ADPScripting: null,
    archiveRestoreInfo: null,
    associatedLabel: "",
    carrierRelease: "false",
    mailClass: "USPS Ground Advantage<SUP>&#153;</SUP>",
    destinationCity: "COLUMBUS",
    destinationState: "OH",
    destinationZIP: "43215",
    emailEnabled: "true",
    kahalaIndicator: "false",
    mailType: "DOMESTIC_MAIL",
    status: events.at(-1)!.type,
    statusCategory: category,
    statusSummary: "Your item is on its way.",
    trackingEvents: [...events].reverse().map(event),
    ...extra,
  };
}

/** A valid 22-digit IMpb that USPS answers 404 "not available" for. */
export const USPS_NOT_FOUND = withUspsCheckDigit("940010000000000000000");
export const USPS_LABEL = withUspsCheckDigit("940010000000000000001");
export const USPS_TRANSIT = "92419900000033499522966220";
export const USPS_DELIVERED = "9400109104250532908587";
export const USPS_OUT = withUspsCheckDigit("940010000000000000002");
export const USPS_ALERT = withUspsCheckDigit("940010000000000000003");
export const USPS_ACCEPTED = withUspsCheckDigit("940010000000000000004");

export const USPS_FIXTURES: Record<string, unknown> = {
  [USPS_LABEL]: detail(USPS_LABEL, [GX], "Pre-Shipment"),
  [USPS_ACCEPTED]: detail(USPS_ACCEPTED, [GX, A03], "Accepted"),
  [USPS_TRANSIT]: detail(USPS_TRANSIT, [GX, A03, A10, TL], "In Transit", {
    expectedDeliveryTimeStamp: "2026-01-18T21:00:00",
    predictedDeliveryWindowStartTime: "2026-01-18T09:00:00-05:00",
    predictedDeliveryWindowEndTime: "2026-01-18T13:00:00-05:00",
  }),
  [USPS_OUT]: detail(USPS_OUT, [GX, A03, A10, TL, A07, OF], "Out for Delivery"),
  [USPS_DELIVERED]: detail(USPS_DELIVERED, [GX, A03, A10, TL, A07, OF, D01], "Delivered"),
  [USPS_ALERT]: detail(USPS_ALERT, [GX, A03, A10, TL, A07, OF, N02], "Alert"),
};

export class FakeUsps extends FakeCarrierBase {
  protected readonly tokenPath = "/oauth2/v3/token";
  protected readonly trackRoute = { method: "GET", path: /^\/tracking\/v3\/tracking\/([^/]+)$/ };

  protected answerToken(req: Request, body: string): Response {
    const type = req.headers.get("content-type") ?? "";
    const f: Record<string, string> = type.includes("json")
      ? JSON.parse(body)
      : Object.fromEntries(new URLSearchParams(body));
    if (
      f.grant_type !== "client_credentials" || f.client_id !== "usps-id" ||
      f.client_secret !== "usps-secret"
    ) {
      return Response.json({
        error: "invalid_client",
        error_description: "Client authentication failed",
        error_uri: "",
      }, { status: 401 });
    }
    const token = this.issueToken();
    if (!(f.scope ?? "").split(" ").includes("tracking")) this.expireTokens();
    return Response.json({
      access_token: token,
      token_type: "Bearer",
      issued_at: Date.now(),
      expires_in: 28799,
      status: "approved",
      scope: f.scope ?? "addresses",
      issuer: "api.usps.com",
      client_id: "usps-id",
      application_name: "portal",
      api_products: "[Public Access]",
      public_key: "",
    });
  }

  protected unauthorized(): Response {
    return Response.json({
      apiVersion: "/tracking/v3",
      error: {
        code: "401",
        message: "The client application identifier is invalid.",
        errors: [],
      },
    }, { status: 401, headers: { "www-authenticate": 'Bearer realm="USPS"' } });
  }

  protected answerTrack(req: Request, _body: string, m: RegExpMatchArray): Response {
    const n = decodeURIComponent(m[1]);
    const fixture = USPS_FIXTURES[n] ?? this.options.fallback?.(n);
    if (!fixture || new URL(req.url).searchParams.get("expand") !== "DETAIL") {
      return Response.json({
        apiVersion: "/tracking/v3",
        error: {
          code: "404",
          message: "Tracking is not available for this item at this time.",
          errors: [{
            status: "404",
            code: "404",
            title: "Not Found",
            detail: "Tracking is not available",
          }],
        },
      }, { status: 404 });
    }
    return Response.json(fixture);
  }

  protected unknownRoute(): Response {
    return Response.json({
      apiVersion: "/tracking/v3",
      error: { code: "400", message: "Bad request", errors: [] },
    }, {
      status: 400,
    });
  }
}
