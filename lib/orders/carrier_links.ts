/**
 * Links to the carriers' own public tracking pages (the "[Track on FedEx Website →]"
 * link-out). Manual and sandbox shipments have no public page.
 */
import type { CarrierId } from "./model.ts";

const PAGES: Partial<Record<CarrierId, (n: string) => string>> = {
  fedex: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}`,
  ups: (n) => `https://www.ups.com/track?loc=en_US&tracknum=${n}`,
  usps: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}`,
};

/** Display names for carriers whose shipment record has no `carrier_name`. */
export const CARRIER_NAMES: Record<CarrierId, string> = {
  fedex: "FedEx",
  ups: "UPS",
  usps: "USPS",
  manual: "Carrier",
  sandbox: "Demo Carrier",
};

/** `trackingUrl("ups", "1Z999AA10123456784")` → the UPS tracking page, or null. */
export function trackingUrl(carrier: CarrierId, trackingNumber: string): string | null {
  const page = PAGES[carrier];
  return page ? page(encodeURIComponent(trackingNumber)) : null;
}
