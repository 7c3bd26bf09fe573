/**
 * A local UPS Tracking API (carriers.md §2): `POST /security/v1/oauth/token` with Basic auth
 * and a form body (the token response has string `expires_in` and `issued_at`),
 * `GET /api/track/v1/details/{inquiryNumber}` requiring `transId` and `transactionSrc`,
 * newest-first activities with local date/time + gmtOffset, a multi-package shipment,
 * not-found both as 200 + warning TW0001 and as 404, and the `{response:{errors}}` envelope.
 */
import { FakeCarrierBase } from "./base.ts";

type Act = {
  date: string;
  time: string;
  offset: string;
  city: string;
  state: string;
  type: string;
  code: string;
  statusCode: string;
  description: string;
};

function activity(a: Act) {
  return {
    location: {
      address: {
        city: a.city,
        stateProvince: a.state,
        postalCode: "",
        country: "US",
        countryCode: "US",
      },
      slic: "5402",
    },
    status: {
      type: a.type,
      description: a.description,
      code: a.code,
      statusCode: a.statusCode,
      simplifiedTextDescription: a.description,
    },
    date: a.date,
    time: a.time,
    gmtDate: a.date,
    gmtTime: a.time,
    gmtOffset: a.offset,
  };
}

const M: Act = {
  date: "20260114",
  time: "180200",
  offset: "-05:00",
  city: "",
  state: "",
  type: "M",
  code: "MP",
  statusCode: "003",
  description: "Shipper created a label, UPS has not received the package yet. ",
};
const OR: Act = {
  date: "20260115",
  time: "103000",
  offset: "-05:00",
  city: "Atlanta",
  state: "GA",
  type: "I",
  code: "OR",
  statusCode: "038",
  description: "Origin Scan",
};
const DP: Act = {
  date: "20260115",
  time: "221500",
  offset: "-05:00",
  city: "Atlanta",
  state: "GA",
  type: "I",
  code: "DP",
  statusCode: "005",
  description: "Departed from Facility",
};
const AR: Act = {
  date: "20260116",
  time: "044500",
  offset: "-05:00",
  city: "Louisville",
  state: "KY",
  type: "I",
  code: "AR",
  statusCode: "005",
  description: "Arrived at Facility",
};
const OT: Act = {
  date: "20260117",
  time: "081000",
  offset: "-05:00",
  city: "Columbus",
  state: "OH",
  type: "I",
  code: "OT",
  statusCode: "021",
  description: "Out For Delivery Today",
};
const D: Act = {
  date: "20260117",
  time: "142300",
  offset: "-05:00",
  city: "Columbus",
  state: "OH",
  type: "D",
  code: "F4",
  statusCode: "011",
  description: "DELIVERED ",
};
const X: Act = {
  date: "20260117",
  time: "142300",
  offset: "-05:00",
  city: "Columbus",
  state: "OH",
  type: "X",
  code: "RS",
  statusCode: "013",
  description:
    "The receiver was not available for delivery. We'll make a second attempt the next business day.",
};

function pkg(number: string, acts: Act[], extra: Record<string, unknown> = {}) {
  const newest = acts.at(-1)!;
  return {
    trackingNumber: number,
    deliveryDate: [{ type: "SDD", date: "20260118" }],
    deliveryTime: { startTime: "090000", endTime: "120000", type: "EDW" },
    activity: [...acts].reverse().map(activity),
    currentStatus: {
      type: newest.type,
      description: newest.description,
      code: newest.code,
      statusCode: newest.statusCode,
      simplifiedTextDescription: newest.description,
    },
    packageAddress: [
      {
        type: "ORIGIN",
        name: "ACME",
        address: { city: "ATLANTA", stateProvince: "GA", countryCode: "US" },
      },
      {
        type: "DESTINATION",
        name: "RETAIL",
        address: { city: "COLUMBUS", stateProvince: "OH", countryCode: "US" },
      },
    ],
    service: { code: "003", levelCode: "GND", description: "UPS Ground" },
    weight: { unitOfMeasurement: "LBS", weight: "5.00" },
    packageCount: 1,
    ...extra,
  };
}

const shipment = (inquiry: string, packages: unknown[]) => ({
  trackResponse: {
    shipment: [{ inquiryNumber: inquiry, package: packages, userRelation: [], warnings: [] }],
  },
});

/** The documented UPS test numbers (carriers.md §7), each a milestone. */
export const UPS_FIXTURES: Record<string, unknown> = {
  "1ZCIETST0111111114": shipment("1ZCIETST0111111114", [
    pkg("1ZCIETST0111111114", [M, OR, DP, AR, OT, D], {
      deliveryDate: [{ type: "DEL", date: "20260117" }],
    }),
  ]),
  "1ZCIETST0422222228": shipment("1ZCIETST0422222228", [
    pkg("1ZCIETST0422222228", [M, OR, DP, AR]),
  ]),
  // Multi-package shipment: the inquiry number is the second package.
  "1Z023E2X0214323462": shipment("1Z023E2X0214323462", [
    pkg("1Z023E2X0214323470", [M, OR, DP, AR, OT]),
    pkg("1Z023E2X0214323462", [M, OR]),
  ]),
  "1Z204W4R0308071865": shipment("1Z204W4R0308071865", [
    pkg("1Z204W4R0308071865", [M, OR, DP, AR, OT, X]),
  ]),
  "1Z999AA10123456784": shipment("1Z999AA10123456784", [pkg("1Z999AA10123456784", [M])]),
  "1Z999AA10123456792": shipment("1Z999AA10123456792", [
    pkg("1Z999AA10123456792", [M, OR, DP, AR, OT]),
  ]),
};

/** Answered 200 + warning TW0001 and no package (issues #102/#166). */
export const UPS_NOT_FOUND_200 = "1Z12345E0205271688";
/** Answered with the documented 404. */
export const UPS_NOT_FOUND_404 = "1ZXXXXXXXXXXXXXXX0";

export class FakeUps extends FakeCarrierBase {
  readonly tracked: string[] = [];
  protected readonly tokenPath = "/security/v1/oauth/token";
  protected readonly trackRoute = { method: "GET", path: /^\/api\/track\/v1\/details\/([^/]+)$/ };

  protected answerToken(req: Request, body: string): Response {
    const basic = req.headers.get("authorization") ?? "";
    const form = new URLSearchParams(body);
    if (
      basic !== `Basic ${btoa("ups-id:ups-secret")}` ||
      form.get("grant_type") !== "client_credentials"
    ) {
      return Response.json({
        response: { errors: [{ code: "250003", message: "Invalid Access License number" }] },
      }, {
        status: 401,
      });
    }
    return Response.json({
      token_type: "Bearer",
      issued_at: String(Date.now()),
      client_id: "ups-id",
      access_token: this.issueToken(),
      scope: "",
      expires_in: "14399",
      refresh_count: "0",
      status: "approved",
    });
  }

  protected unauthorized(): Response {
    return Response.json({
      response: {
        errors: [{ code: "250002", message: "Invalid Authentication Information." }],
      },
    }, {
      status: 401,
    });
  }

  protected answerTrack(req: Request, _body: string, m: RegExpMatchArray): Response {
    if (!req.headers.get("transid") || !req.headers.get("transactionsrc")) {
      return Response.json({
        response: { errors: [{ code: "TV1001", message: "Missing transId" }] },
      }, { status: 400 });
    }
    const n = decodeURIComponent(m[1]);
    this.tracked.push(n);
    if (n === UPS_NOT_FOUND_404) {
      return Response.json({
        response: { errors: [{ code: "TW0001", message: "Tracking Information Not Found" }] },
      }, {
        status: 404,
      });
    }
    const fixture = UPS_FIXTURES[n] ?? this.options.fallback?.(n);
    if (!fixture) {
      return Response.json({
        trackResponse: {
          shipment: [{
            inquiryNumber: n,
            warnings: [{ code: "TW0001", message: "Tracking Information Not Found" }],
          }],
        },
      });
    }
    return Response.json(fixture);
  }

  protected unknownRoute(): Response {
    return Response.json({
      response: { errors: [{ code: "TV1002", message: "Invalid inquiry number" }] },
    }, { status: 400 });
  }
}
