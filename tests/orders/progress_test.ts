import assert from "node:assert/strict";
import {
  deliveryOutlook,
  orderStep,
  shipmentOutlook,
  shipmentStep,
  stepStates,
} from "@/lib/orders/progress.ts";

const at = (iso: string) => new Date(iso);
const shipped = { status: "shipped" as const, delivery_date: "2026-01-18" };

Deno.test("steps: shipment statuses map onto the customer's five steps", () => {
  assert.equal(shipmentStep("label_created"), "processing");
  assert.equal(shipmentStep("picked_up"), "shipped");
  assert.equal(shipmentStep("in_transit"), "shipped");
  assert.equal(shipmentStep("exception"), "shipped");
  assert.equal(shipmentStep("out_for_delivery"), "out_for_delivery");
  assert.equal(shipmentStep("delivered"), "delivered");
  assert.deepEqual(stepStates("shipped").map((s) => s.state), [
    "done",
    "done",
    "current",
    "todo",
    "todo",
  ]);
  assert.deepEqual(stepStates("delivered").at(-1), { step: "delivered", state: "current" });
});

Deno.test("orderStep: the least advanced shipment; cancelled has none", () => {
  const p = { status: "processing" as const, delivery_date: "2026-01-18" };
  assert.equal(orderStep(p, []), "processing");
  assert.equal(orderStep({ ...p, status: "shipped" }, []), "shipped");
  assert.equal(orderStep({ ...p, status: "cancelled" }, [{ status: "in_transit" }]), null);
  assert.equal(
    orderStep(shipped, [{ status: "delivered" }, { status: "out_for_delivery" }]),
    "out_for_delivery",
  );
  assert.equal(orderStep(shipped, [{ status: "delivered" }, { status: "delivered" }]), "delivered");
  assert.equal(orderStep({ ...p, status: "delivered" }, [{ status: "in_transit" }]), "delivered");
});

Deno.test("shipmentOutlook: delivered with its time and facts", () => {
  const o = shipmentOutlook({
    status: "delivered",
    events: [
      { status: "picked_up", occurred_at: "2026-01-09T11:00:00-05:00" },
      { status: "delivered", occurred_at: "2026-01-14T14:05:00-05:00" },
    ],
    delivery: { left_at: "front_door", signed_by: "C. Reilly" },
  }, at("2026-01-16T12:00:00Z"));
  assert.deepEqual(o, {
    kind: "delivered",
    at: "2026-01-14T14:05:00-05:00",
    facts: { left_at: "front_door", signed_by: "C. Reilly" },
  });
});

Deno.test("shipmentOutlook: late with the revised estimate, the original and the reason", () => {
  const o = shipmentOutlook({
    status: "exception",
    estimated_delivery: "2026-01-18",
    delivery: { revised_estimate: "2026-01-20", delay_reason: "Weather delay" },
  }, at("2026-01-16T12:00:00Z"));
  assert.deepEqual(o, {
    kind: "late",
    expected: "2026-01-20",
    original: "2026-01-18",
    reason: "Weather delay",
  });
  assert.deepEqual(
    shipmentOutlook({ status: "in_transit", estimated_delivery: "2026-01-10" }, at("2026-02-01")),
    { kind: "late", expected: "2026-01-10" },
  );
});

Deno.test("shipmentOutlook: on the way, out for delivery (with window), label created", () => {
  const now = at("2026-01-16T12:00:00Z");
  assert.deepEqual(
    shipmentOutlook({ status: "in_transit", estimated_delivery: "2026-01-18" }, now),
    {
      kind: "on_the_way",
      expected: "2026-01-18",
    },
  );
  const window = { begins: "2026-01-16T10:00:00-05:00", ends: "2026-01-16T14:00:00-05:00" };
  assert.deepEqual(
    shipmentOutlook({
      status: "out_for_delivery",
      estimated_delivery: "2026-01-16",
      delivery: { window },
    }, now),
    { kind: "out_for_delivery", window },
  );
  assert.deepEqual(
    shipmentOutlook({ status: "label_created", estimated_delivery: "2026-01-19" }, now),
    { kind: "label_created", expected: "2026-01-19" },
  );
});

Deno.test("deliveryOutlook: cancelled, with when", () => {
  assert.deepEqual(
    deliveryOutlook(
      { status: "cancelled", delivery_date: "2026-01-18", cancelled_at: "2026-01-03T09:00:00Z" },
      [{ status: "in_transit", estimated_delivery: "2026-01-18" }],
      at("2026-01-16T12:00:00Z"),
    ),
    { kind: "cancelled", at: "2026-01-03T09:00:00Z" },
  );
  assert.deepEqual(
    deliveryOutlook({ status: "cancelled", delivery_date: "2026-01-18" }, [], at("2026-01-16")),
    { kind: "cancelled" },
  );
});

Deno.test("deliveryOutlook: preparing, then late once the expected day is over", () => {
  const order = {
    status: "processing" as const,
    delivery_date: "2026-01-18",
    estimated_ship_date: "2026-01-15",
  };
  assert.deepEqual(deliveryOutlook(order, [], at("2026-01-16T12:00:00Z")), {
    kind: "preparing",
    expected: "2026-01-18",
    shipBy: "2026-01-15",
  });
  assert.deepEqual(deliveryOutlook(order, [], at("2026-01-25T12:00:00Z")), {
    kind: "late",
    expected: "2026-01-18",
  });
});

Deno.test("deliveryOutlook: several shipments — late wins, then the latest arrival", () => {
  const now = at("2026-01-16T12:00:00Z");
  const onTime = { status: "in_transit", estimated_delivery: "2026-01-17" };
  const later = { status: "in_transit", estimated_delivery: "2026-01-19" };
  const delivered = {
    status: "delivered",
    events: [{ status: "delivered", occurred_at: "2026-01-15T09:00:00Z" }],
  };
  assert.deepEqual(deliveryOutlook(shipped, [onTime, later, delivered], now), {
    kind: "arriving",
    expected: "2026-01-19",
  });
  const late = {
    status: "in_transit",
    estimated_delivery: "2026-01-17",
    delivery: { revised_estimate: "2026-01-21", delay_reason: "Missed connection" },
  };
  assert.deepEqual(deliveryOutlook(shipped, [onTime, late], now), {
    kind: "late",
    expected: "2026-01-21",
    original: "2026-01-17",
    reason: "Missed connection",
  });
  // Every shipment delivered: delivered at the last one; facts only for a single shipment.
  const second = {
    status: "delivered",
    events: [{ status: "delivered", occurred_at: "2026-01-16T08:00:00Z" }],
    delivery: { signed_by: "A" },
  };
  assert.deepEqual(deliveryOutlook(shipped, [delivered, second], now), {
    kind: "delivered",
    at: "2026-01-16T08:00:00Z",
  });
  assert.deepEqual(deliveryOutlook(shipped, [second], now), {
    kind: "delivered",
    at: "2026-01-16T08:00:00Z",
    facts: { signed_by: "A" },
  });
});

Deno.test("deliveryOutlook: one shipment out for delivery; shipments without estimates use the order's date", () => {
  const now = at("2026-01-18T12:00:00Z");
  assert.deepEqual(deliveryOutlook(shipped, [{ status: "out_for_delivery" }], now), {
    kind: "out_for_delivery",
  });
  assert.deepEqual(deliveryOutlook(shipped, [{ status: "in_transit" }], now), {
    kind: "arriving",
    expected: "2026-01-18",
  });
  assert.deepEqual(
    deliveryOutlook(shipped, [{ status: "in_transit" }], at("2026-01-25T12:00:00Z")),
    { kind: "late", expected: "2026-01-18" },
  );
});
