/**
 * Shipments of an order and their tracking events, written with the order's summary, its
 * index entries, the counters and the poller's index (`active_shipments`) in one atomic op.
 * A shipment is read only after its customer-scoped order is found. Keys in `keys.ts`.
 */
import { ConflictError, NotFoundError, parseInput } from "@/lib/errors.ts";
import type {
  DeliveryFacts,
  OrderStatus,
  Shipment,
  ShipmentSummary,
  TrackingEvent,
  TrackingStatus,
} from "./model.ts";
import { LIMITS, type ShipmentInput, TrackingEventInput } from "./input.ts";
import {
  estimateBytes,
  lockCustomer,
  MAX_ATTEMPTS,
  MAX_VALUE_BYTES,
  retryPause,
} from "./atomic.ts";
import { keyId, keys } from "./keys.ts";
import { nextUpdatedAt, type OrderHeader, writeHeaderOps } from "./order_index.ts";
import { LimitError, OrderNotFoundError } from "./orders.ts";

/** No such shipment on this order. */
export class ShipmentNotFoundError extends NotFoundError {}

/** Timeline order: by instant (events carry different local offsets), oldest first. */
function sortEvents(events: TrackingEvent[]): TrackingEvent[] {
  return [...events].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at));
}

function eventId(e: TrackingEvent) {
  return `${Date.parse(e.occurred_at)}|${e.status}|${e.description}`;
}

/** Drops duplicates and, past the caps, the oldest events but the first (the pickup). */
function boundEvents(events: TrackingEvent[]): TrackingEvent[] {
  const seen = new Set<string>();
  const unique = sortEvents(events).filter((e) => {
    const id = eventId(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  while (unique.length > LIMITS.eventsPerShipment) unique.splice(1, 1);
  return unique;
}

function fitShipment(s: Shipment): Shipment {
  const events = [...s.events];
  while (estimateBytes({ ...s, events }) > MAX_VALUE_BYTES && events.length > 2) {
    events.splice(1, 1);
  }
  return { ...s, events };
}

function shipmentSummary(s: Shipment): ShipmentSummary {
  const delivered = s.status === "delivered"
    ? [...s.events].reverse().find((e) => e.status === "delivered")
    : undefined;
  return {
    carrier: s.carrier,
    ...(s.carrier_name ? { carrier_name: s.carrier_name } : {}),
    tracking_number: s.tracking_number,
    status: s.status,
    ...(s.estimated_delivery ? { estimated_delivery: s.estimated_delivery } : {}),
    ...(delivered ? { delivered_at: delivered.occurred_at } : {}),
    // What lib/orders/running_late.ts reads beyond status and estimate.
    ...(s.overdue ? { overdue: true } : {}),
    ...(s.delivery?.revised_estimate
      ? { delivery: { revised_estimate: s.delivery.revised_estimate } }
      : {}),
  };
}

/**
 * The order status that shipments imply: a processing order whose goods are moving is
 * shipped; an open order whose shipments are all delivered is delivered. Cancelled orders
 * and anything else stay as the ERP sent them (its next PUT wins).
 */
function impliedStatus(status: OrderStatus, shipments: ShipmentSummary[]): OrderStatus {
  if (status === "cancelled" || shipments.length === 0) return status;
  if (shipments.every((s) => s.status === "delivered")) return "delivered";
  if (status === "processing" && shipments.some((s) => s.status !== "label_created")) {
    return "shipped";
  }
  return status;
}

/**
 * The poller's page entry: enough to pick what is due and to load and email the shipment
 * without another read (entries written before `customer_ref` existed lack it).
 */
interface ActiveShipmentEntry {
  org: string;
  customer_ref?: string;
  order_number: string;
  tracking_number: string;
  carrier: Shipment["carrier"];
  last_refreshed_at: string | null;
  shipped_at?: string;
  awaiting_first_scan?: boolean;
}

function activeEntry(s: Shipment, customerRef: string): ActiveShipmentEntry {
  return {
    org: s.org,
    customer_ref: customerRef,
    order_number: s.order_number,
    tracking_number: s.tracking_number,
    carrier: s.carrier,
    last_refreshed_at: s.last_refreshed_at ?? null,
    shipped_at: s.shipped_at,
    ...(s.awaiting_first_scan ? { awaiting_first_scan: true } : {}),
  };
}

/** A shipment before and after one change (`previous` null when it is new). */
export interface ShipmentChange {
  previous: Shipment | null;
  shipment: Shipment;
}

/**
 * Adds work that must commit with a shipment change or not at all (e.g. its first carrier
 * fetch on the queue); called once per attempt with that attempt's operation.
 */
export type InCommit = (op: Deno.AtomicOperation, change: ShipmentChange) => void;

interface WriteOptions {
  /** The order's `updated_at` when the change is not a refresh (which brings its own time). */
  at?: string;
  inCommit?: InCommit;
}

/**
 * Reads the order and shipment, lets `change` compute the new shipment, and writes the
 * shipment, the order's summary, its index entries, the counters and the poller's index in
 * one atomic op.
 */
async function changeShipment(
  kv: Deno.Kv,
  org: string,
  number: string,
  tracking: string,
  change: (prev: Shipment | null) => Shipment,
  opts: WriteOptions = {},
): Promise<ShipmentChange> {
  const owner = (await kv.get<string>(keys.owner(org, number))).value;
  if (!owner) throw new OrderNotFoundError(`No order ${number} in this org.`);
  const unlock = await lockCustomer(kv, org, owner);
  try {
    return await writeShipment(kv, org, number, tracking, change, opts);
  } finally {
    unlock();
  }
}

async function writeShipment(
  kv: Deno.Kv,
  org: string,
  number: string,
  tracking: string,
  change: (prev: Shipment | null) => Shipment,
  opts: WriteOptions,
): Promise<ShipmentChange> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await retryPause(attempt);
    const ownerEntry = await kv.get<string>(keys.owner(org, number));
    if (!ownerEntry.value) throw new OrderNotFoundError(`No order ${number} in this org.`);
    const [headerEntry, shipmentEntry] = await kv.getMany<[OrderHeader, Shipment]>([
      keys.header(org, ownerEntry.value, number),
      keys.shipment(org, number, tracking),
    ]);
    const prevHeader = headerEntry.value;
    if (!prevHeader) continue; // the order moved between our reads
    const previous = shipmentEntry.value;
    const shipment = fitShipment(change(previous));

    const summaries = [...prevHeader.shipments];
    const at = summaries.findIndex((s) => s.tracking_number === tracking);
    if (at >= 0) summaries[at] = shipmentSummary(shipment);
    else {
      if (summaries.length >= LIMITS.shipmentsPerOrder) {
        throw new LimitError(`At most ${LIMITS.shipmentsPerOrder} shipments per order.`);
      }
      summaries.push(shipmentSummary(shipment));
    }
    const header: OrderHeader = {
      ...prevHeader,
      shipments: summaries,
      status: impliedStatus(prevHeader.status, summaries),
      updated_at: nextUpdatedAt(
        prevHeader.updated_at,
        opts.at ?? shipment.last_refreshed_at ?? prevHeader.updated_at,
      ),
    };

    const op = kv.atomic().check(ownerEntry, headerEntry, shipmentEntry);
    op.set(keys.shipment(org, number, tracking), shipment);
    await writeHeaderOps(kv, op, prevHeader, header);
    const prevActive = previous && previous.status !== "delivered"
      ? keys.activeShipment(previous.carrier, org, number, tracking)
      : null;
    const nextActive = shipment.status !== "delivered"
      ? keys.activeShipment(shipment.carrier, org, number, tracking)
      : null;
    if (prevActive && (!nextActive || keyId(prevActive) !== keyId(nextActive))) {
      op.delete(prevActive);
    }
    if (nextActive) op.set(nextActive, activeEntry(shipment, ownerEntry.value));
    opts.inCommit?.(op, { previous, shipment });
    if ((await op.commit()).ok) return { previous, shipment };
  }
  throw new ConflictError(`Shipment ${tracking} is being changed concurrently; retry.`);
}

/**
 * Registers or updates a shipment of an order (carrier, ship time, estimate); its events
 * and status are kept. A new shipment has no `last_refreshed_at` until its carrier (or a
 * manual update) first answers. `opts.inCommit` adds work to the same atomic commit.
 * Throws OrderNotFoundError or LimitError.
 */
export async function upsertShipment(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  input: ShipmentInput,
  now: Date,
  opts: { inCommit?: InCommit } = {},
): Promise<{ shipment: Shipment; created: boolean; previous: Shipment | null }> {
  const { previous, shipment } = await changeShipment(
    kv,
    org,
    orderNumber,
    trackingNumber,
    (prev) => {
      const s: Shipment = {
        org,
        order_number: orderNumber,
        tracking_number: trackingNumber,
        carrier: input.carrier,
        ...(input.carrier_name ? { carrier_name: input.carrier_name } : {}),
        ...(input.service ? { service: input.service } : {}),
        shipped_at: input.shipped_at,
        ...(input.estimated_delivery ? { estimated_delivery: input.estimated_delivery } : {}),
        ...(prev?.estimated_window ? { estimated_window: prev.estimated_window } : {}),
        status: prev?.status ?? "label_created",
        events: prev?.events ?? [],
        ...(prev?.last_refreshed_at ? { last_refreshed_at: prev.last_refreshed_at } : {}),
        ...(prev?.overdue ? { overdue: prev.overdue } : {}),
        ...(prev?.awaiting_first_scan ? { awaiting_first_scan: true } : {}),
        ...(prev?.delivery ? { delivery: prev.delivery } : {}),
        // The carrier's id names one shipment: a new carrier or ship date may be another.
        ...(prev?.carrier_ref && prev.carrier === input.carrier &&
            prev.shipped_at === input.shipped_at
          ? { carrier_ref: prev.carrier_ref }
          : {}),
      };
      return s;
    },
    { at: now.toISOString(), inCommit: opts.inCommit },
  );
  return { shipment, created: previous === null, previous };
}

/**
 * The shipments of one customer's order, oldest first; [] when the order is not this
 * customer's (the customer-scoped order key is checked before any shipment is read).
 */
export async function getShipments(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  orderNumber: string,
): Promise<Shipment[]> {
  const header = await kv.get(keys.header(org, customerRef, orderNumber));
  if (!header.value) return [];
  const out: Shipment[] = [];
  for await (const e of kv.list<Shipment>({ prefix: keys.shipmentPrefix(org, orderNumber) })) {
    out.push(e.value);
  }
  return out.sort((a, b) => Date.parse(a.shipped_at) - Date.parse(b.shipped_at));
}

/**
 * One shipment with the ref of the customer who owns its order (for the carrier poller and
 * notifications, which start from a shipment, not a link), or null.
 * `await getShipmentWithOwner(kv, "acme", "ORD-008456", "123456789012")`
 */
export async function getShipmentWithOwner(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
): Promise<{ shipment: Shipment; customerRef: string } | null> {
  const [owner, shipment] = await kv.getMany<[string, Shipment]>([
    keys.owner(org, orderNumber),
    keys.shipment(org, orderNumber, trackingNumber),
  ]);
  return owner.value && shipment.value
    ? { shipment: shipment.value, customerRef: owner.value }
    : null;
}

/**
 * Adds a manual tracking event (warehouse staff): events stay sorted oldest first, a repeat
 * of the same event is ignored, and the shipment takes the latest event's status.
 * Throws ShipmentNotFoundError / OrderNotFoundError.
 */
export async function addTrackingEvent(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  rawEvent: TrackingEventInput,
  now: Date,
): Promise<Shipment> {
  const event = parseInput(TrackingEventInput, rawEvent);
  const { shipment } = await changeShipment(kv, org, orderNumber, trackingNumber, (prev) => {
    if (!prev) throw new ShipmentNotFoundError(`No shipment ${trackingNumber} on ${orderNumber}.`);
    const events = boundEvents([...prev.events, event]);
    return {
      ...prev,
      events,
      status: events.at(-1)!.status,
      last_refreshed_at: now.toISOString(),
    };
  });
  return shipment;
}

export interface TrackingUpdate {
  status: TrackingStatus;
  /** The carrier's full history (any order; sorted and de-duplicated here). */
  events: TrackingEvent[];
  estimated_delivery?: string;
  estimated_window?: { begins: string; ends: string };
  last_refreshed_at: string;
  overdue?: boolean;
  /** The carrier has no scan yet (a new label); cleared by the first real answer. */
  awaiting_first_scan?: boolean;
  /** The carrier's delivery facts as of this poll (replaces the previous ones). */
  delivery?: DeliveryFacts;
  /** The carrier's id of this shipment (kept when a poll does not repeat it). */
  carrier_ref?: string;
}

/**
 * Applies what a carrier poll returned. Returns the status before the update so the caller
 * can notify the customer on a change. Throws ShipmentNotFoundError / OrderNotFoundError.
 */
export async function applyTrackingUpdate(
  kv: Deno.Kv,
  org: string,
  orderNumber: string,
  trackingNumber: string,
  update: TrackingUpdate,
): Promise<{ previousStatus: TrackingStatus | null; shipment: Shipment }> {
  const { previous, shipment } = await changeShipment(
    kv,
    org,
    orderNumber,
    trackingNumber,
    (prev) => {
      if (!prev) {
        throw new ShipmentNotFoundError(`No shipment ${trackingNumber} on ${orderNumber}.`);
      }
      return trackingApplied(prev, update);
    },
  );
  return { previousStatus: previous?.status ?? null, shipment };
}

/** The shipment after a carrier poll's update (what `applyTrackingUpdate` stores). */
export function trackingApplied(prev: Shipment, update: TrackingUpdate): Shipment {
  const {
    estimated_window: _w,
    overdue: _o,
    awaiting_first_scan: _a,
    delivery: _d,
    ...rest
  } = prev;
  return {
    ...rest,
    status: update.status,
    events: boundEvents(update.events),
    ...(update.estimated_delivery
      ? { estimated_delivery: update.estimated_delivery }
      : prev.estimated_delivery
      ? { estimated_delivery: prev.estimated_delivery }
      : {}),
    ...(update.estimated_window ? { estimated_window: update.estimated_window } : {}),
    ...(update.overdue ? { overdue: true } : {}),
    ...(update.awaiting_first_scan ? { awaiting_first_scan: true } : {}),
    ...(update.delivery ? { delivery: update.delivery } : {}),
    ...(update.carrier_ref ? { carrier_ref: update.carrier_ref } : {}),
    last_refreshed_at: update.last_refreshed_at,
  };
}

/** A shipment as the poller read it: the record, its versionstamp and its order's owner. */
export interface PolledShipment {
  shipment: Shipment;
  versionstamp: string;
  customerRef: string;
}

/**
 * The poller's batch read: each (org, order, tracking number)'s shipment or null, with
 * getMany (10 keys a call). The owner is read only for items whose page entry did not name
 * it (`customer_ref`).
 */
export async function getShipmentsForPoll(
  kv: Deno.Kv,
  org: string,
  items: { order_number: string; tracking_number: string; customer_ref?: string }[],
): Promise<(PolledShipment | null)[]> {
  const wanted: Deno.KvKey[] = [];
  for (const it of items) {
    wanted.push(keys.shipment(org, it.order_number, it.tracking_number));
    if (!it.customer_ref) wanted.push(keys.owner(org, it.order_number));
  }
  const read: Deno.KvEntryMaybe<unknown>[] = [];
  for (let i = 0; i < wanted.length; i += 10) {
    read.push(...await kv.getMany(wanted.slice(i, i + 10)));
  }
  const out: (PolledShipment | null)[] = [];
  let at = 0;
  for (const it of items) {
    const e = read[at++] as Deno.KvEntryMaybe<Shipment>;
    const owner = it.customer_ref ?? (read[at++].value as string | null);
    out.push(
      e.value && e.versionstamp && owner
        ? { shipment: e.value, versionstamp: e.versionstamp, customerRef: owner }
        : null,
    );
  }
  return out;
}

/**
 * A poll that found nothing new: only `last_refreshed_at` moves, on the shipment and its
 * poller entry, for many shipments in one commit (≤ 100 at a time); the order, its summary,
 * indexes and counters are untouched because nothing they show changed. Each shipment is
 * checked against the version the poller read; returns false (nothing written) when one
 * changed meanwhile, and the caller stores those the full way.
 */
export async function touchShipments(
  kv: Deno.Kv,
  polled: PolledShipment[],
  at: string,
): Promise<boolean> {
  for (let i = 0; i < polled.length; i += 100) {
    const op = kv.atomic();
    for (const read of polled.slice(i, i + 100)) {
      const s = read.shipment;
      const next: Shipment = { ...s, last_refreshed_at: at };
      op.check({
        key: keys.shipment(s.org, s.order_number, s.tracking_number),
        versionstamp: read.versionstamp,
      })
        .set(keys.shipment(s.org, s.order_number, s.tracking_number), next);
      if (s.status !== "delivered") {
        op.set(
          keys.activeShipment(s.carrier, s.org, s.order_number, s.tracking_number),
          activeEntry(next, read.customerRef),
        );
      }
    }
    if (!(await op.commit()).ok) return false;
  }
  return true;
}

/**
 * Every not-yet-delivered shipment of a carrier, across orgs, for the poller:
 * `for await (const s of listActiveShipments(kv, "fedex")) ...`
 */
export async function* listActiveShipments(
  kv: Deno.Kv,
  carrier: Shipment["carrier"],
): AsyncIterable<ActiveShipmentEntry> {
  for await (const e of kv.list<ActiveShipmentEntry>({ prefix: keys.activeShipments(carrier) })) {
    yield e.value;
  }
}

/**
 * One page of a carrier's poller index, by key order (org, order, tracking number): all of
 * it, from `start` on, or before `end`; `cursor` continues a page. The poller's rounds.
 */
export async function listActivePage(
  kv: Deno.Kv,
  carrier: Shipment["carrier"],
  range: { start?: string[]; end?: string[]; cursor?: string; limit: number },
): Promise<{ entries: { key: string[]; value: ActiveShipmentEntry }[]; cursor: string | null }> {
  const prefix = keys.activeShipments(carrier);
  const selector: Deno.KvListSelector = range.start
    ? { prefix, start: range.start }
    : range.end
    ? { prefix, end: range.end }
    : { prefix };
  const iter = kv.list<ActiveShipmentEntry>(selector, {
    limit: range.limit,
    cursor: range.cursor,
    batchSize: Math.min(range.limit, 500),
  });
  const entries: { key: string[]; value: ActiveShipmentEntry }[] = [];
  for await (const e of iter) entries.push({ key: e.key.map(String), value: e.value });
  return { entries, cursor: entries.length === range.limit ? iter.cursor : null };
}

export type { ActiveShipmentEntry };
