/**
 * Fetch at once: registering a shipment (admin API PUT, CLI `shipment upsert`) queues its
 * first carrier fetch, a one-item poll batch, in the same atomic commit as the shipment, so
 * the customer sees carrier events within seconds instead of at the next cron round (up to
 * 30 minutes), and a stored shipment never lacks its queued fetch.
 *
 * The fetch claims the page-view refresh of its staleness window (`refreshId`), so customers
 * opening the order while it runs cause no second carrier call.
 *
 * A fetch is queued when the carrier is polled with this configuration and the change can
 * alter what the carrier answers: a new shipment, a new carrier or ship date (which pick
 * another shipment for a reused number), or one never fetched yet. An ERP re-sending an
 * unchanged, already-fetched shipment (or only its estimate) costs no carrier call.
 */
import { upsertShipment } from "@/lib/orders/shipments.ts";
import type { ShipmentChange } from "@/lib/orders/shipments.ts";
import type { ShipmentInput } from "@/lib/orders/input.ts";
import type { Shipment } from "@/lib/orders/model.ts";
import { enqueueInAtomic } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { adapterMode, POLLED_CARRIERS, type PolledCarrier } from "./adapters.ts";
import { POLL_BATCH, type PollBatch, refreshId } from "./poller.ts";

const polled = (c: Shipment["carrier"]): c is PolledCarrier =>
  (POLLED_CARRIERS as readonly string[]).includes(c);

/** Whether this change deserves a carrier fetch now (see the module comment). */
export function needsFetch(services: Services, { previous, shipment }: ShipmentChange): boolean {
  if (!polled(shipment.carrier) || adapterMode(services.config, shipment.carrier) === "off") {
    return false;
  }
  if (shipment.status === "delivered") return false;
  return !previous || previous.carrier !== shipment.carrier ||
    previous.shipped_at !== shipment.shipped_at || !shipment.last_refreshed_at;
}

/** The one-item poll batch that fetches this shipment. */
export function fetchBatch(shipment: Shipment, now: Date): PollBatch {
  const { org, order_number, tracking_number } = shipment;
  return {
    carrier: shipment.carrier as PolledCarrier,
    org,
    items: [{ order_number, tracking_number }],
    batch_id: `fetch:${org}:${order_number}:${tracking_number}:${now.getTime()}`,
    attempt: 1,
    reason: "refresh",
  };
}

export interface PutShipmentResult {
  shipment: Shipment;
  created: boolean;
  /** A first fetch from the carrier was queued with this change. */
  fetch_queued: boolean;
}

/**
 * Registers or updates a shipment and, in the same commit, queues its carrier fetch when
 * `needsFetch`. Throws what `upsertShipment` throws (OrderNotFoundError, LimitError).
 *
 * @example
 * const { shipment, created } = await putShipment(services, "acme", "ORD-1", "1Z…", input);
 */
export async function putShipment(
  services: Services,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  input: ShipmentInput,
): Promise<PutShipmentResult> {
  const now = services.clock.now();
  let queued = false;
  const { shipment, created } = await upsertShipment(
    services.kv,
    org,
    orderNumber,
    trackingNumber,
    input,
    now,
    {
      // Runs once per commit attempt; only the attempt that commits counts.
      inCommit: (op, change) => {
        queued = needsFetch(services, change);
        if (!queued) return;
        // Page views before the fetch is done would ask for the same: claim their key.
        const stale = services.config.TRACKING_STALE_MINUTES;
        enqueueInAtomic(services, op, POLL_BATCH, fetchBatch(change.shipment, now), {
          claimKey: `tracking.${refreshId(change.shipment, stale, now.getTime())}`,
          dedupForMs: stale * 60_000,
        });
      },
    },
  );
  return { shipment, created, fetch_queued: queued };
}
