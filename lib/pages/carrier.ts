/** How a carrier is named on the pages: the shipment's own name ("FedEx Freight") first. */
import type { CarrierId } from "../orders/model.ts";

const NAMES: Record<CarrierId, string> = {
  fedex: "FedEx",
  ups: "UPS",
  usps: "USPS",
  manual: "",
  sandbox: "Sandbox",
};

export function carrierDisplayName(carrier: CarrierId, name?: string): string {
  return name || NAMES[carrier] || carrier;
}

/** The short brand for "Track on {carrier} Website": FedEx, not "FedEx Freight". */
export function carrierBrand(carrier: CarrierId, name?: string): string {
  return NAMES[carrier] || name || carrier;
}
