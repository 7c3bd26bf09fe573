/**
 * A local FedEx Track API speaking the documented wire format (carriers.md §1): form-encoded
 * `POST /oauth/token`, `POST /track/v1/trackingnumbers` (≤ 30 numbers), the 200 response tree
 * with the captured sandbox quirks (`customertransactionId`, newest-first `scanEvents`,
 * `VIRTUAL.RESPONSE` alert, OD with derivedCode IT, `window: {}`), not-found as a per-result
 * error inside HTTP 200, and the error envelope `{transactionId, errors[]}`.
 */
import { FakeCarrierBase } from "./base.ts";

type Scan = {
  date: string;
  eventType: string;
  eventDescription: string;
  city: string;
  state: string;
  derivedStatusCode?: string;
  exceptionCode?: string;
  exceptionDescription?: string;
};

const loc = (city: string, state: string) => ({
  city,
  stateOrProvinceCode: state,
  postalCode: "38118",
  countryCode: "US",
  residential: false,
});

function scanEvent(s: Scan) {
  return {
    date: s.date,
    eventType: s.eventType,
    eventDescription: s.eventDescription,
    exceptionCode: s.exceptionCode ?? "",
    exceptionDescription: s.exceptionDescription ?? "",
    scanLocation: { streetLines: [""], ...loc(s.city, s.state) },
    locationId: "0381",
    locationType: "PICKUP_LOCATION",
    derivedStatusCode: s.derivedStatusCode ?? s.eventType,
    derivedStatus: s.eventDescription,
  };
}

/** Oldest first here; served newest first as the sandbox does. */
const PU: Scan = {
  date: "2026-01-15T10:30:00-06:00",
  eventType: "PU",
  eventDescription: "Picked up",
  city: "MEMPHIS",
  state: "TN",
};
const OC: Scan = {
  date: "2026-01-14T18:02:00-06:00",
  eventType: "OC",
  eventDescription: "Shipment information sent to FedEx",
  city: "MEMPHIS",
  state: "TN",
  derivedStatusCode: "IN",
};
const DP: Scan = {
  date: "2026-01-15T16:15:00-06:00",
  eventType: "DP",
  eventDescription: "Departed FedEx location",
  city: "MEMPHIS",
  state: "TN",
};
const AR: Scan = {
  date: "2026-01-16T08:45:00-05:00",
  eventType: "AR",
  eventDescription: "Arrived at FedEx location",
  city: "INDIANAPOLIS",
  state: "IN",
};
const OD: Scan = {
  date: "2026-01-17T07:55:00-05:00",
  eventType: "OD",
  eventDescription: "On FedEx vehicle for delivery",
  city: "COLUMBUS",
  state: "OH",
  derivedStatusCode: "IT",
};
const DL: Scan = {
  date: "2026-01-17T13:20:00-05:00",
  eventType: "DL",
  eventDescription: "Delivered",
  city: "COLUMBUS",
  state: "OH",
};
const DE: Scan = {
  date: "2026-01-17T13:20:00-05:00",
  eventType: "DE",
  eventDescription: "Delivery exception",
  city: "COLUMBUS",
  state: "OH",
  exceptionCode: "007",
  exceptionDescription: "Customer not available or business closed",
};
const RR: Scan = {
  date: "2026-01-16T09:00:00-05:00",
  eventType: "RR",
  eventDescription: "Delivery option requested",
  city: "COLUMBUS",
  state: "OH",
};

function trackResult(
  number: string,
  latest: { code: string; derivedCode: string; description: string },
  scans: Scan[],
  extra: Record<string, unknown> = {},
) {
  return {
    trackingNumberInfo: { trackingNumber: number, trackingNumberUniqueId: "", carrierCode: "FDXE" },
    additionalTrackingInfo: { nickname: "", packageIdentifiers: [], hasAssociatedShipments: false },
    latestStatusDetail: {
      code: latest.code,
      derivedCode: latest.derivedCode,
      statusByLocale: latest.description,
      description: latest.description,
      scanLocation: loc("COLUMBUS", "OH"),
      ancillaryDetails: [],
    },
    dateAndTimes: [
      { type: "ACTUAL_PICKUP", dateTime: "2026-01-15T10:30:00-06:00" },
      { type: "SHIP", dateTime: "2026-01-15T00:00:00-06:00" },
    ],
    serviceDetail: { type: "FEDEX_GROUND", description: "FedEx Ground", shortDescription: "FG" },
    scanEvents: [...scans].reverse().map(scanEvent),
    availableImages: [],
    estimatedDeliveryTimeWindow: { window: {} },
    standardTransitTimeWindow: { window: { ends: "2026-01-18T00:00:00-06:00" } },
    ...extra,
  };
}

/** The documented sandbox numbers (carriers.md §7) and what each one shows. */
export const FEDEX_FIXTURES: Record<string, unknown> = {
  // Label only: OC comes with derivedStatusCode IN ("Initiated").
  "449044304137821": trackResult("449044304137821", {
    code: "OC",
    derivedCode: "IN",
    description: "Label created",
  }, [OC]),
  "020207021381215": trackResult("020207021381215", {
    code: "PU",
    derivedCode: "PU",
    description: "Picked up",
  }, [OC, PU]),
  // In transit with an estimate and a full window.
  "149331877648230": trackResult(
    "149331877648230",
    {
      code: "AR",
      derivedCode: "IT",
      description: "At local FedEx facility",
    },
    [OC, PU, DP, RR, AR],
    {
      dateAndTimes: [{ type: "ESTIMATED_DELIVERY", dateTime: "2026-01-18T00:00:00-05:00" }],
      estimatedDeliveryTimeWindow: {
        description: "",
        type: "ESTIMATED_DELIVERY",
        window: { begins: "2026-01-18T09:00:00-05:00", ends: "2026-01-18T13:00:00-05:00" },
      },
    },
  ),
  // Out for delivery, but derivedCode says IT (captured quirk).
  "231300687629630": trackResult("231300687629630", {
    code: "OD",
    derivedCode: "IT",
    description: "On FedEx vehicle for delivery",
  }, [OC, PU, DP, AR, OD]),
  "122816215025810": trackResult(
    "122816215025810",
    {
      code: "DL",
      derivedCode: "DL",
      description: "Delivered",
    },
    [OC, PU, DP, AR, OD, DL],
    {
      deliveryDetails: { receivedByName: "J.SMITH", deliveryAttempts: "0" },
    },
  ),
  "377101283611590": trackResult("377101283611590", {
    code: "DE",
    derivedCode: "DE",
    description: "Delivery exception",
  }, [OC, PU, DP, AR, OD, DE]),
  "61292701078443410536": trackResult("61292701078443410536", {
    code: "IT",
    derivedCode: "IT",
    description: "In transit",
  }, [OC, PU, DP]),
};

/** Numbers FedEx answers with a per-result NOTFOUND error inside HTTP 200. */
export const FEDEX_NOT_FOUND = "647719948679";

export function notFound(number: string) {
  return {
    trackingNumberInfo: { trackingNumber: number, trackingNumberUniqueId: "", carrierCode: "" },
    error: {
      code: "TRACKING.TRACKINGNUMBER.NOTFOUND",
      message: "Tracking number cannot be found. Please correct the tracking number and try again.",
    },
  };
}

export class FakeFedex extends FakeCarrierBase {
  /** The numbers of each tracking call, in order (to see the batching). */
  readonly batches: string[][] = [];
  /** Extra fixtures by number (a test's own). */
  readonly fixtures = new Map<string, unknown>(Object.entries(FEDEX_FIXTURES));
  protected readonly tokenPath = "/oauth/token";
  protected readonly trackRoute = { method: "POST", path: /^\/track\/v1\/trackingnumbers$/ };

  protected answerToken(req: Request, body: string): Response {
    const form = new URLSearchParams(body);
    if (
      !req.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded") ||
      form.get("grant_type") !== "client_credentials" || form.get("client_id") !== "fx-id" ||
      form.get("client_secret") !== "fx-secret"
    ) {
      return fedexError(
        401,
        "NOT.AUTHORIZED.ERROR",
        "The given client credentials were not valid.",
      );
    }
    return Response.json({
      access_token: this.issueToken(),
      token_type: "bearer",
      expires_in: 3599,
      scope: "CXS-TP",
    });
  }

  protected unauthorized(): Response {
    return fedexError(401, "NOT.AUTHORIZED.ERROR", "Access token expired");
  }

  protected answerTrack(req: Request, body: string): Response {
    const parsed = JSON.parse(body) as {
      includeDetailedScans?: boolean;
      trackingInfo?: { trackingNumberInfo: { trackingNumber: string } }[];
    };
    const numbers = (parsed.trackingInfo ?? []).map((t) => t.trackingNumberInfo.trackingNumber);
    if (numbers.length === 0 || numbers.length > 30 || parsed.includeDetailedScans !== true) {
      return fedexError(400, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.");
    }
    this.batches.push(numbers);
    return Response.json({
      transactionId: crypto.randomUUID(),
      customertransactionId: req.headers.get("x-customer-transaction-id") ?? "",
      output: {
        alerts: [{
          code: "VIRTUAL.RESPONSE",
          alertType: "NOTE",
          message: "This is a Virtual Response.",
        }],
        completeTrackResults: numbers.map((n) => ({
          trackingNumber: n,
          // A fixture may be an array: a duplicated number has several trackResults.
          trackResults: [this.fixtures.get(n) ?? this.options.fallback?.(n) ?? notFound(n)].flat(),
        })),
      },
    });
  }

  protected unknownRoute(): Response {
    return fedexError(404, "NOT.FOUND.ERROR", "The resource you requested is no longer available.");
  }
}

/** FedEx's error envelope. */
function fedexError(status: number, code: string, message: string): Response {
  return Response.json({ transactionId: crypto.randomUUID(), errors: [{ code, message }] }, {
    status,
  });
}
