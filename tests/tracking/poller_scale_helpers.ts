/**
 * Many active shipments, fast: valid tracking numbers per carrier, carrier samples answered
 * for any number, and a seeder writing orders and shipments in batched atomics (≤ 1,000
 * mutations each) instead of one domain call per shipment. Shared by the poller's scale
 * tests and `deno task bench` (BENCH_PARTS=poller).
 */
import { createOrg, getOrg } from "@/lib/orders/orgs.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { keys } from "@/lib/orders/keys.ts";
import type { Shipment, ShipmentSummary } from "@/lib/orders/model.ts";
import type { OrderHeader } from "@/lib/orders/order_index.ts";
import type { Services } from "@/lib/services.ts";
import { createAdapter } from "@/lib/tracking/adapters.ts";
import { withUspsCheckDigit } from "@/tests/fakes/carriers/base.ts";

export type ScaleCarrier = "fedex" | "ups" | "usps";
export const SCALE_CARRIERS: readonly ScaleCarrier[] = ["fedex", "ups", "usps"];

/** A FedEx Express 12-digit number with its check digit. */
export function fedexNumber(i: number): string {
  const payload = String(10_000_000_000 + i).slice(-11);
  const w = [3, 1, 7];
  let sum = 0;
  for (let k = 0; k < 11; k++) sum += Number(payload[k]) * w[k % 3];
  return payload + String((sum % 11) % 10);
}

/** A UPS 1Z number with its check digit. */
export function upsNumber(i: number): string {
  const payload = "TEST" + String(i).padStart(11, "0");
  let sum = 0;
  for (let k = 0; k < 15; k++) {
    const c = payload[k];
    let v = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : (c.charCodeAt(0) - 3) % 10;
    if (k % 2 === 1) v *= 2;
    sum += v;
  }
  return `1Z${payload}${(10 - (sum % 10)) % 10}`;
}

/** A USPS 22-digit IMpb with its mod-10 check digit. */
export function uspsNumber(i: number): string {
  return withUspsCheckDigit("9400" + String(i).padStart(17, "0"));
}

export const numberFor = (carrier: ScaleCarrier, i: number) =>
  carrier === "fedex" ? fedexNumber(i) : carrier === "ups" ? upsNumber(i) : uspsNumber(i);

/** A published sample answered for another number (its own number swapped in). */
export function relabel(sample: unknown, from: string, to: string): unknown {
  return JSON.parse(JSON.stringify(sample).replaceAll(from, to));
}

/**
 * What a poll of the carrier's (fallback) answer stores, asked once through the production
 * adapter: seeds shipments already up to date, so a round finds nothing new unless the
 * carrier says something new. Refreshed an hour before the clock's now.
 */
export async function answeredTracking(
  services: Services,
  carrier: ScaleCarrier,
): Promise<Partial<Shipment>> {
  const [r] = await createAdapter(services, carrier)!.track([{
    tracking_number: numberFor(carrier, 0),
    shipped_at: new Date(services.clock.now().getTime() - 86_400_000).toISOString(),
  }]);
  if (!r.ok || !("shipment" in r)) throw new Error(`the ${carrier} sample is not tracked`);
  const s = r.shipment;
  return {
    status: s.status,
    events: s.events,
    ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
    ...(s.estimated_window ? { estimated_window: s.estimated_window } : {}),
    ...(s.delivery ? { delivery: s.delivery } : {}),
    ...(s.carrier_ref ? { carrier_ref: s.carrier_ref } : {}),
    last_refreshed_at: new Date(services.clock.now().getTime() - 3_600_000).toISOString(),
  };
}

export interface SeedOptions {
  orgs: string[];
  customersPerOrg: number;
  /** Active shipments per carrier, spread over the orgs and customers. */
  counts: Partial<Record<ScaleCarrier, number>>;
  shipmentsPerOrder?: number;
  /** What each shipment holds besides its identity (default: a fresh label). */
  tracking?: (carrier: ScaleCarrier) => Partial<Shipment>;
  shippedAt?: string;
}

export interface SeededShipment {
  org: string;
  customer_ref: string;
  order_number: string;
  tracking_number: string;
  carrier: ScaleCarrier;
}

/**
 * Seeds orgs, customers, orders and active shipments. Orders are cloned from one real
 * `upsertOrder` per customer; each order, its owner pointer, its shipments and their poller
 * entries go in atomics of at most 1,000 mutations. Returns how many shipments it wrote.
 */
export async function seedActiveShipments(services: Services, opts: SeedOptions) {
  const now = services.clock.now();
  const per = opts.shipmentsPerOrder ?? 10;
  const shippedAt = opts.shippedAt ?? new Date(now.getTime() - 86_400_000).toISOString();
  const templates = new Map<string, OrderHeader>();
  for (const org of opts.orgs) {
    if (!(await getOrg(services.kv, org))) {
      await createOrg(services.kv, {
        slug: org,
        name: `Org ${org}`,
        support_email: `support@${org}.example`,
        support_phone: "(555) 123-4567",
      }, now);
    }
    for (let c = 0; c < opts.customersPerOrg; c++) {
      const ref = `C${c}`;
      await upsertCustomer(services.kv, org, ref, {
        name: `Customer ${c}`,
        email: `c${c}@${org}.example`,
        locale: "en",
      }, now);
      await upsertOrder(services.kv, org, `T-${ref}`, {
        customer_ref: ref,
        order_date: "2026-01-14",
        delivery_date: "2026-01-18",
        status: "shipped",
        currency: "USD",
        delivery_address: "1 Main St, Columbus, OH",
        lines: [{ item_code: "P-1", description: "Widget", qty_ordered: "1", unit_price: "1.00" }],
      }, now);
      const h = (await services.kv.get<OrderHeader>(keys.header(org, ref, `T-${ref}`))).value!;
      templates.set(`${org}/${ref}`, h);
    }
  }

  let op = services.kv.atomic();
  let mutations = 0;
  const flush = async () => {
    if (mutations === 0) return;
    const res = await op.commit();
    if (!res.ok) throw new Error("seed commit failed");
    op = services.kv.atomic();
    mutations = 0;
  };
  let written = 0;
  let orderIndex = 0;
  for (const carrier of SCALE_CARRIERS) {
    const total = opts.counts[carrier] ?? 0;
    const extra = opts.tracking?.(carrier) ?? {};
    for (let i = 0; i < total; i += per) {
      const org = opts.orgs[orderIndex % opts.orgs.length];
      const ref = `C${Math.floor(orderIndex / opts.orgs.length) % opts.customersPerOrg}`;
      const number = `S-${carrier}-${String(i / per).padStart(6, "0")}`;
      orderIndex++;
      const shipments: Shipment[] = [];
      for (let k = i; k < Math.min(total, i + per); k++) {
        shipments.push({
          org,
          order_number: number,
          tracking_number: numberFor(carrier, k),
          carrier,
          shipped_at: shippedAt,
          status: "label_created",
          events: [],
          ...extra,
        });
      }
      const summaries: ShipmentSummary[] = shipments.map((s) => ({
        carrier: s.carrier,
        tracking_number: s.tracking_number,
        status: s.status,
        ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
      }));
      const header: OrderHeader = {
        ...templates.get(`${org}/${ref}`)!,
        order_number: number,
        shipments: summaries,
      };
      if (mutations + 2 + 2 * shipments.length > 1000) await flush();
      op.set(keys.header(org, ref, number), header).set(keys.owner(org, number), ref);
      mutations += 2;
      for (const s of shipments) {
        op.set(keys.shipment(org, number, s.tracking_number), s);
        op.set(keys.activeShipment(carrier, org, number, s.tracking_number), {
          org,
          customer_ref: ref,
          order_number: number,
          tracking_number: s.tracking_number,
          carrier,
          last_refreshed_at: s.last_refreshed_at ?? null,
          shipped_at: s.shipped_at,
        });
        mutations += 2;
        written++;
      }
    }
  }
  await flush();
  return written;
}

/** Every seeded shipment's identity, read back from the poller's index. */
export async function activeIdentities(kv: Deno.Kv, carrier: ScaleCarrier) {
  const out: string[] = [];
  for await (const e of kv.list<SeededShipment>({ prefix: keys.activeShipments(carrier) })) {
    out.push(`${e.value.org}/${e.value.order_number}/${e.value.tracking_number}`);
  }
  return out;
}
