/**
 * The one interface every carrier adapter implements, and what it answers: a normalized
 * shipment per request, "awaiting first scan" (the carrier has no scan of a new label yet,
 * which is not an error), or a clear reason why not.
 */
import type {
  CarrierId,
  DeliveryFacts,
  TrackingEvent,
  TrackingStatus,
} from "@/lib/orders/model.ts";

export type TrackFailureReason =
  | "auth"
  | "rate_limited"
  | "server_error"
  | "bad_request";

/** What the adapter is asked about one shipment. */
export interface TrackRequest {
  /** As stored; the adapter normalizes and validates it. */
  tracking_number: string;
  /** Our shipment's ship time: picks the right shipment when a carrier reuses a number. */
  shipped_at?: string;
  /** The carrier's id of our shipment, remembered from an earlier answer (`carrier_ref`). */
  carrier_ref?: string;
}

export interface NormalizedShipment {
  status: TrackingStatus;
  /**
   * Oldest first; `occurred_at` is ISO 8601 with the local offset of the place: the carrier's,
   * or resolved from the place's time zone (`time_zone`), or marked `time_zone_unknown`.
   */
  events: TrackingEvent[];
  /** YYYY-MM-DD, the carrier's estimated (or scheduled) delivery date at the destination. */
  estimated_delivery?: string;
  /** ISO 8601 with offset; only when the carrier gives both ends. */
  estimated_window?: { begins: string; ends: string };
  delivery?: DeliveryFacts;
  /** The carrier's id of the shipment this answer is about, to ask by next time. */
  carrier_ref?: string;
}

export type TrackResult =
  | { ok: true; shipment: NormalizedShipment }
  | {
    /** The carrier answered as it does for a label it has not scanned yet. */
    ok: true;
    awaiting_first_scan: true;
    /** The carrier's code/text for it (e.g. USPS 150001, UPS TW0001). */
    message: string;
  }
  | {
    ok: false;
    reason: TrackFailureReason;
    /** Seconds, from the carrier's `Retry-After`. */
    retryAfter?: number;
    /** The carrier's own error code/text (never credentials). */
    message?: string;
  };

/** How an exchange ended: "not_found" = the carrier has no scan yet (not an error). */
export type CallOutcome = "ok" | "not_found" | TrackFailureReason;

/** One HTTP exchange with a carrier, as written to the integration log (INT-003). */
export interface CarrierCall {
  carrier: CarrierId;
  kind: "oauth" | "track";
  /** The tracking numbers the call concerned (empty for OAuth). */
  numbers: string[];
  /** Absent when the request never got an answer (network error). */
  http_status?: number;
  outcome: CallOutcome;
  latency_ms: number;
  /** The id we sent with the call (FedEx `x-customer-transaction-id`, UPS `transId`). */
  transaction_id?: string;
  /** The carrier's code for the outcome when it gave one (e.g. "150001", "TW0001"). */
  detail?: string;
}

export interface CarrierAdapter {
  readonly carrier: CarrierId;
  /**
   * Tracks the given shipments; `results[i]` answers `requests[i]` (a number asked twice is
   * answered twice, each for its own request).
   */
  track(requests: TrackRequest[]): Promise<TrackResult[]>;
}

/** Per-call hook the poller uses to log carrier calls; adapters never log tokens. */
export type CallObserver = (call: CarrierCall) => void;

/** The shipment of a tracked result, or undefined for "awaiting first scan" and failures. */
export function trackedShipment(r: TrackResult | undefined): NormalizedShipment | undefined {
  return r?.ok && "shipment" in r ? r.shipment : undefined;
}

export function isAwaitingFirstScan(
  r: TrackResult | undefined,
): r is Extract<TrackResult, { awaiting_first_scan: true }> {
  return !!r && r.ok && "awaiting_first_scan" in r;
}
