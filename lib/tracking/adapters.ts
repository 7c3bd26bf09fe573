/**
 * Which adapter tracks which carrier, from configuration: a carrier is polled only with both
 * credentials set; "manual" is never polled (warehouse staff post its events); "sandbox"
 * shipments, and unconfigured carriers while the demo sandbox is on, use the sandbox adapter.
 */
import type { Config } from "@/lib/config.ts";
import type { CarrierId } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import type { CarrierCredentials } from "./carrier_http.ts";
import { FedexAdapter } from "./fedex.ts";
import { type CurrentShipment, SandboxAdapter, sandboxEnabled } from "./sandbox.ts";
import type { CallObserver, CarrierAdapter } from "./types.ts";
import { UpsAdapter } from "./ups.ts";
import { UspsAdapter } from "./usps.ts";

/** The carriers the poller visits, in order. */
export const POLLED_CARRIERS = ["fedex", "ups", "usps", "sandbox"] as const;
export type PolledCarrier = typeof POLLED_CARRIERS[number];

/** Numbers per poll message: FedEx takes 30 a call; UPS and USPS are one call per number. */
export const BATCH_SIZE: Record<PolledCarrier, number> = {
  fedex: 30,
  ups: 10,
  usps: 10,
  sandbox: 50,
};

export function carrierCredentials(
  config: Config,
  carrier: CarrierId,
): CarrierCredentials | undefined {
  const pick = (id?: string, secret?: string, baseUrl?: string) =>
    id && secret && baseUrl ? { clientId: id, clientSecret: secret, baseUrl } : undefined;
  switch (carrier) {
    case "fedex":
      return pick(config.FEDEX_CLIENT_ID, config.FEDEX_CLIENT_SECRET, config.FEDEX_BASE_URL);
    case "ups":
      return pick(config.UPS_CLIENT_ID, config.UPS_CLIENT_SECRET, config.UPS_BASE_URL);
    case "usps":
      return pick(config.USPS_CLIENT_ID, config.USPS_CLIENT_SECRET, config.USPS_BASE_URL);
    default:
      return undefined;
  }
}

export type AdapterMode = "live" | "sandbox" | "off";

/** How a carrier's shipments are tracked with this configuration. */
export function adapterMode(config: Config, carrier: CarrierId): AdapterMode {
  if (carrier === "manual") return "off";
  if (carrier === "sandbox") return "sandbox";
  if (carrierCredentials(config, carrier)) return "live";
  return sandboxEnabled(config) ? "sandbox" : "off";
}

export interface AdapterContext {
  onCall?: CallObserver;
  /**
   * The stored shipment of `requests[index]` (the sandbox advances it; by request, not by
   * number, since two orders can share a number).
   */
  current?: (index: number) => CurrentShipment | undefined;
}

/** The adapter for a carrier, or undefined when it is not polled. */
export function createAdapter(
  services: Services,
  carrier: CarrierId,
  ctx: AdapterContext = {},
): CarrierAdapter | undefined {
  const mode = adapterMode(services.config, carrier);
  if (mode === "off") return undefined;
  if (mode === "sandbox") return new SandboxAdapter(services, ctx.current ?? (() => undefined));
  const credentials = carrierCredentials(services.config, carrier)!;
  const opts = { services, credentials, onCall: ctx.onCall };
  if (carrier === "fedex") return new FedexAdapter(opts);
  if (carrier === "ups") return new UpsAdapter(opts);
  return new UspsAdapter(opts);
}
