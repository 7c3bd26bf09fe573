/** How a carrier is named on the pages: the shipment's own name ("FedEx Freight") first. */
import { CARRIER_NAMES } from "@/lib/orders/carrier_links.ts";
import type { CarrierId } from "@/lib/orders/model.ts";

export function carrierDisplayName(carrier: CarrierId, name?: string | null): string {
  return name || CARRIER_NAMES[carrier] || carrier;
}

/** The short brand for "Track on {carrier} Website": FedEx, not "FedEx Freight". */
export function carrierBrand(carrier: CarrierId): string {
  return CARRIER_NAMES[carrier] || carrier;
}
