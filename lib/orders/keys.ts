/**
 * Every org, customer, order and shipment key in Deno KV, declared here and nowhere else
 * (after SaaSKit's `utils/db.ts`); `orgs.ts`, `customers.ts`, `orders.ts`, `order_index.ts`
 * and `shipments.ts` read and write them. Routes, the CLI and other domains call those
 * modules' functions, never `kv` directly for this data.
 *
 * Every customer read starts with org + customer, so no code path can list another
 * customer's orders:
 *
 *   ["orgs", org]                                          Org
 *   ["customers", org, ref]                                Customer
 *   ["customer_stats", org, ref, "active"|"in_transit"|"delivered"]   Deno.KvU64 counter
 *   ["order_owner", org, number]                           ref of the customer who owns it
 *   ["orders", org, ref, number, "header"]                 the order without its lines
 *   ["orders", org, ref, number, "lines", i]               line chunks, each < 64 KiB
 *   ["order_index", org, ref, filter, order_date, number]  OrderSummary (filter = "all",
 *                                                          the status, or "active")
 *   ["order_head", org, ref, filter]                       OrderHead: that index's newest
 *                                                          entries in one value (first pages)
 *   ["shipments", org, number, tracking]                   Shipment (read only after the
 *                                                          customer-scoped order is found)
 *   ["active_shipments", carrier, org, number, tracking]   what the carrier poller visits
 */

/** The Quick Stats counters kept per customer. */
export type StatName = "active" | "in_transit" | "delivered";

export const keys = {
  orgs: () => ["orgs"],
  org: (org: string) => ["orgs", org],
  customer: (org: string, ref: string) => ["customers", org, ref],
  orgCustomers: (org: string) => ["customers", org],
  stat: (org: string, ref: string, name: StatName) => ["customer_stats", org, ref, name],
  owner: (org: string, number: string) => ["order_owner", org, number],
  orderPrefix: (org: string, ref: string, number: string) => ["orders", org, ref, number],
  header: (org: string, ref: string, number: string) => ["orders", org, ref, number, "header"],
  lines: (org: string, ref: string, number: string, i: number) => [
    "orders",
    org,
    ref,
    number,
    "lines",
    i,
  ],
  indexPrefix: (org: string, ref: string, filter: string) => ["order_index", org, ref, filter],
  index: (org: string, ref: string, filter: string, date: string, number: string) => [
    "order_index",
    org,
    ref,
    filter,
    date,
    number,
  ],
  head: (org: string, ref: string, filter: string) => ["order_head", org, ref, filter],
  shipmentPrefix: (org: string, number: string) => ["shipments", org, number],
  shipment: (org: string, number: string, tracking: string) => ["shipments", org, number, tracking],
  activeShipments: (carrier: string) => ["active_shipments", carrier],
  activeShipment: (carrier: string, org: string, number: string, tracking: string) => [
    "active_shipments",
    carrier,
    org,
    number,
    tracking,
  ],
};

/** A key as a string, to compare keys in sets. */
export const keyId = (k: Deno.KvKey) => JSON.stringify(k);
