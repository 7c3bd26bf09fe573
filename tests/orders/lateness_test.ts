/** The "Running late" rule (lib/orders/lateness.ts): dates, timestamps, orders, edges. */
import assert from "node:assert/strict";
import { isShipmentLate, orderLateness } from "@/lib/orders/lateness.ts";
import type { ShipmentSummary } from "@/lib/orders/model.ts";

const at = (iso: string) => new Date(iso);
const ship = (over: Partial<ShipmentSummary> = {}): ShipmentSummary => ({
  carrier: "ups",
  tracking_number: "1Z999AA10123456784",
  status: "in_transit",
  estimated_delivery: "2026-01-18",
  ...over,
});

Deno.test("a date estimate is late once that day has ended everywhere (12:00 UTC next day)", () => {
  assert.deepEqual(isShipmentLate(ship(), at("2026-01-18T23:59:00Z")), false);
  assert.deepEqual(isShipmentLate(ship(), at("2026-01-19T11:59:59Z")), false);
  assert.deepEqual(isShipmentLate(ship(), at("2026-01-19T12:00:00Z")), true);
  assert.deepEqual(isShipmentLate(ship(), at("2026-02-20T00:00:00Z")), true);
});

Deno.test("a timestamp estimate is late when its own local day has ended", () => {
  const s = ship({ estimated_delivery: "2026-01-18T17:00:00-05:00" });
  assert.deepEqual(isShipmentLate(s, at("2026-01-19T04:59:00Z")), false); // 23:59 in -05:00
  assert.deepEqual(isShipmentLate(s, at("2026-01-19T05:00:00Z")), true);
});

Deno.test("delivered, no estimate or an unreadable one: never late", () => {
  const later = at("2027-01-01T00:00:00Z");
  assert.deepEqual(isShipmentLate(ship({ status: "delivered" }), later), false);
  assert.deepEqual(isShipmentLate(ship({ estimated_delivery: undefined }), later), false);
  assert.deepEqual(isShipmentLate(ship({ estimated_delivery: "soon" }), later), false);
});

Deno.test("orders: open and past the expected date, a late shipment, or a later new estimate", () => {
  const now = at("2026-01-16T12:00:00Z");
  const o = { status: "shipped" as const, delivery_date: "2026-01-18", shipments: [ship()] };
  assert.deepEqual(orderLateness(o, now), { late: false });
  // Past the ERP's expected date, nothing shipped yet.
  assert.deepEqual(
    orderLateness({ status: "processing", delivery_date: "2026-01-14", shipments: [] }, now),
    { late: true },
  );
  // A shipment past its estimate.
  assert.deepEqual(
    orderLateness({ ...o, shipments: [ship({ estimated_delivery: "2026-01-14" })] }, now).late,
    true,
  );
  // The carrier's estimate is later than the date promised: late, with the new estimate.
  assert.deepEqual(
    orderLateness({ ...o, shipments: [ship({ estimated_delivery: "2026-01-21" })] }, now),
    { late: true, newEstimate: "2026-01-21" },
  );
  // Delivered and cancelled orders are never late.
  for (const status of ["delivered", "cancelled"] as const) {
    assert.deepEqual(
      orderLateness({ status, delivery_date: "2025-01-01", shipments: [] }, now),
      { late: false },
    );
  }
  // A delivered shipment beside a late one: the late one counts.
  assert.deepEqual(
    orderLateness({
      ...o,
      shipments: [ship({ status: "delivered" }), ship({ estimated_delivery: "2026-01-10" })],
    }, now).late,
    true,
  );
});
