/**
 * Integration status (INT-001): per carrier, whether it is configured and how it is tracked,
 * the last batch that got through, the org's failed calls in the last 24 hours, how many of
 * the org's shipments it is tracking, and whether its circuit breaker is holding calls back.
 */
import { type CarrierId, CARRIERS } from "@/lib/orders/model.ts";
import { listActiveShipments } from "@/lib/orders/shipments.ts";
import type { Services } from "@/lib/services.ts";
import { adapterMode } from "./adapters.ts";
import { circuitState } from "./circuit.ts";
import { errorsLast24h } from "./integration_log.ts";
import { lastSuccessfulPoll } from "./poller.ts";

export interface CarrierStatus {
  carrier: CarrierId;
  /** Credentials are set (always true for "manual" and "sandbox", which need none). */
  configured: boolean;
  /** live = carrier API; sandbox = simulated demo moves; manual = warehouse updates; off = not polled. */
  mode: "live" | "sandbox" | "manual" | "off";
  last_successful_poll: string | null;
  errors_24h: number;
  /** The org's shipments of this carrier not yet delivered (or cancelled). */
  shipments_tracked: number;
  circuit: "open" | "closed";
  /** A sentence for the integration card when something needs attention. */
  note?: string;
}

export async function getIntegrationStatus(
  services: Services,
  org: string,
): Promise<CarrierStatus[]> {
  const out: CarrierStatus[] = [];
  for (const carrier of CARRIERS) {
    const mode = carrier === "manual" ? "manual" : adapterMode(services.config, carrier);
    const configured = carrier === "manual" || carrier === "sandbox" || mode === "live";
    let tracked = 0;
    for await (const s of listActiveShipments(services.kv, carrier)) if (s.org === org) tracked++;
    // Half-open lets one probe through, so only a fully open circuit reads "open".
    const circuit = (await circuitState(services, carrier)) === "open" ? "open" : "closed";
    const status: CarrierStatus = {
      carrier,
      configured,
      mode,
      last_successful_poll: await lastSuccessfulPoll(services, carrier),
      errors_24h: await errorsLast24h(services, org, carrier),
      shipments_tracked: tracked,
      circuit,
    };
    if (!configured) {
      status.note = mode === "sandbox"
        ? "No credentials: shipments are moved by the demo sandbox, not the carrier."
        : "No credentials: not polled. Set its CLIENT_ID and CLIENT_SECRET to track.";
    } else if (circuit === "open") {
      status.note = "Calls paused after repeated failures; retried automatically.";
    }
    out.push(status);
  }
  return out;
}
