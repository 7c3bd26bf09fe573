/**
 * The SANDBOX carrier: no network, for the demo only. Each poll moves a demo shipment ONE
 * milestone along (label created → picked up → in transit → out for delivery → delivered)
 * once its newest event is at least `stepMs` old, keeping the events it already has, so the
 * timeline visibly moves every poll (30 minutes, or on a stale page view). Every event it
 * invents says "(sandbox)" so nobody mistakes it for a carrier scan.
 *
 * Used for shipments whose carrier is "sandbox", and, when the sandbox is enabled (see
 * `sandboxEnabled`), for FedEx/UPS/USPS shipments whose carrier has no credentials.
 */
import type { Config } from "@/lib/config.ts";
import type { Shipment, TrackingEvent, TrackingStatus } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import type { CarrierAdapter, NormalizedShipment, TrackRequest, TrackResult } from "./types.ts";

export const SANDBOX_STEP_MS = 30 * 60_000;

const MILESTONES: { status: TrackingStatus; description: string; location: string }[] = [
  {
    status: "label_created",
    description: "Shipping label created (sandbox)",
    location: "Chicago, IL",
  },
  { status: "picked_up", description: "Picked up (sandbox)", location: "Chicago, IL" },
  { status: "in_transit", description: "Departed facility (sandbox)", location: "Chicago, IL" },
  {
    status: "in_transit",
    description: "Arrived at destination facility (sandbox)",
    location: "Columbus, OH",
  },
  {
    status: "out_for_delivery",
    description: "Out for delivery (sandbox)",
    location: "Columbus, OH",
  },
  { status: "delivered", description: "Delivered (sandbox)", location: "Columbus, OH" },
];

/**
 * The sandbox runs when SANDBOX_CARRIER=1, or, when unset, in the embedded development
 * default (not in production, not in tests, demo seeding on).
 */
export function sandboxEnabled(config: Config): boolean {
  if (config.SANDBOX_CARRIER) return config.SANDBOX_CARRIER === "1";
  return config.DENO_ENV === "development" && config.SEED_DEMO === "1";
}

/** ISO 8601 in US Eastern standard time (-05:00), like a carrier's local scan time. */
function eastern(d: Date): string {
  return new Date(d.getTime() - 5 * 3_600_000).toISOString().slice(0, 19) + "-05:00";
}

/** Index of the milestone the shipment has reached (by status and, for transit, count). */
function reached(events: TrackingEvent[], status: TrackingStatus): number {
  if (status === "in_transit") {
    return events.filter((e) => e.status === "in_transit").length >= 2 ? 3 : 2;
  }
  const i = MILESTONES.findIndex((m) => m.status === status);
  return i < 0 ? 0 : i;
}

export type CurrentShipment = Pick<Shipment, "status" | "events" | "estimated_delivery">;

export class SandboxAdapter implements CarrierAdapter {
  readonly carrier = "sandbox" as const;
  #services: Services;
  #current: (index: number) => CurrentShipment | undefined;

  /** `current(i)` gives the stored shipment of `requests[i]`, which the sandbox advances. */
  constructor(
    services: Services,
    current: (index: number) => CurrentShipment | undefined,
  ) {
    this.#services = services;
    this.#current = current;
  }

  track(requests: TrackRequest[]): Promise<TrackResult[]> {
    const now = this.#services.clock.now();
    return Promise.resolve(requests.map((_req, i): TrackResult => {
      const cur = this.#current(i);
      // Not stored (deleted since it was listed): the sandbox has nothing to move yet.
      if (!cur) return { ok: true, awaiting_first_scan: true, message: "unknown sandbox shipment" };
      return { ok: true, shipment: this.#advance(cur, now) };
    }));
  }

  #advance(cur: CurrentShipment, now: Date): NormalizedShipment {
    const events = [...cur.events];
    const last = events.at(-1);
    const lastAt = last ? Date.parse(last.occurred_at) : Number.NaN;
    // Exceptions and deliveries stay put; so does a shipment that moved within the step.
    const due = Number.isNaN(lastAt) || now.getTime() - lastAt >= SANDBOX_STEP_MS;
    let status = cur.status;
    if (due && status !== "delivered" && status !== "exception") {
      const next = events.length === 0 ? MILESTONES[0] : MILESTONES[reached(events, status) + 1];
      if (next) {
        events.push({
          status: next.status,
          occurred_at: eastern(now),
          description: next.description,
          location: next.location,
          carrier_code: "SANDBOX",
        });
        status = next.status;
      }
    }
    const out: NormalizedShipment = { status, events };
    if (status !== "delivered") {
      const left = MILESTONES.length - 1 - reached(events, status);
      const eta = new Date(now.getTime() + Math.max(left, 1) * SANDBOX_STEP_MS);
      out.estimated_delivery = cur.estimated_delivery ?? eastern(eta).slice(0, 10);
    }
    return out;
  }
}
