/**
 * The one interface every carrier adapter implements, and what it answers: a normalized
 * shipment per tracking number, or a clear reason why not.
 */
import type { CarrierId, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";

export type TrackFailureReason =
  | "not_found"
  | "auth"
  | "rate_limited"
  | "server_error"
  | "bad_request";

export interface NormalizedShipment {
  status: TrackingStatus;
  /** Oldest first; `occurred_at` ISO 8601 with the local offset where the carrier gives one. */
  events: TrackingEvent[];
  /** YYYY-MM-DD, the carrier's estimated (or scheduled) delivery date at the destination. */
  estimated_delivery?: string;
  /** ISO 8601 with offset; only when the carrier gives both ends. */
  estimated_window?: { begins: string; ends: string };
}

export type TrackResult =
  | { ok: true; shipment: NormalizedShipment }
  | {
    ok: false;
    reason: TrackFailureReason;
    /** Seconds, from the carrier's `Retry-After`. */
    retryAfter?: number;
    /** The carrier's own error code/text (never credentials). */
    message?: string;
  };

/** One HTTP exchange with a carrier, as written to the integration log (INT-003). */
export interface CarrierCall {
  carrier: CarrierId;
  kind: "oauth" | "track";
  /** The tracking numbers the call concerned (empty for OAuth). */
  numbers: string[];
  /** Absent when the request never got an answer (network error). */
  http_status?: number;
  outcome: "ok" | TrackFailureReason;
  latency_ms: number;
}

export interface CarrierAdapter {
  readonly carrier: CarrierId;
  /**
   * Tracks the given numbers (as stored; the adapter normalizes and validates them first).
   * Every requested number gets an entry, keyed by the number exactly as passed in.
   */
  track(numbers: string[]): Promise<Map<string, TrackResult>>;
}

/** Per-call hook the poller uses to log carrier calls; adapters never log tokens. */
export type CallObserver = (call: CarrierCall) => void;
