/**
 * The one "Running late" rule (lib/orders/running_late.ts): the day rule for dates and
 * timestamps, each signal, orders, and properties (monotone in time, delivered and cancelled
 * never late, the same answer under TZ=UTC, Los Angeles, Tokyo and Kiritimati).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  estimateIsOver,
  isOrderLate,
  isShipmentLate,
  type LateFacts,
} from "@/lib/orders/running_late.ts";

const at = (iso: string) => new Date(iso);
const ship = (over: Partial<LateFacts> = {}): LateFacts => ({
  status: "in_transit",
  estimated_delivery: "2026-01-18",
  ...over,
});

Deno.test("a date is over once it has ended everywhere (UTC−12: 12:00 UTC the next day)", () => {
  assert.equal(estimateIsOver("2026-01-18", at("2026-01-18T23:59:00Z")), false);
  assert.equal(estimateIsOver("2026-01-18", at("2026-01-19T11:59:59.999Z")), false);
  assert.equal(estimateIsOver("2026-01-18", at("2026-01-19T12:00:00Z")), true);
  assert.equal(isShipmentLate(ship(), at("2026-01-19T11:59:59Z")), false);
  assert.equal(isShipmentLate(ship(), at("2026-01-19T12:00:00Z")), true);
  assert.equal(isShipmentLate(ship(), at("2026-02-20T00:00:00Z")), true);
});

Deno.test("a timestamp estimate is read by its date: over once that day has ended everywhere", () => {
  const s = ship({ estimated_delivery: "2026-01-18T17:00:00-05:00" });
  assert.equal(isShipmentLate(s, at("2026-01-19T05:00:00Z")), false); // midnight in -05:00
  assert.equal(isShipmentLate(s, at("2026-01-19T11:59:59Z")), false);
  assert.equal(isShipmentLate(s, at("2026-01-19T12:00:00Z")), true);
});

Deno.test("signals: exception, the poller's overdue, a later revised estimate, the day over", () => {
  const now = at("2026-01-16T12:00:00Z");
  assert.equal(isShipmentLate(ship(), now), false);
  assert.equal(isShipmentLate(ship({ estimated_delivery: "2026-01-14" }), now), true);
  assert.equal(isShipmentLate(ship({ estimated_delivery: null, overdue: true }), now), true);
  assert.equal(isShipmentLate({ status: "exception" }, now), true);
  assert.equal(
    isShipmentLate(ship({ delivery: { revised_estimate: "2026-01-20" } }), now),
    true,
  );
  // A revised estimate ahead and not later than the original: on time.
  assert.equal(
    isShipmentLate(
      ship({ estimated_delivery: "2026-01-14", delivery: { revised_estimate: "2026-01-13" } }),
      at("2026-01-12T12:00:00Z"),
    ),
    false,
  );
  // ...and late once the revised day is over.
  assert.equal(
    isShipmentLate(
      ship({ estimated_delivery: "2026-01-14", delivery: { revised_estimate: "2026-01-13" } }),
      at("2026-01-14T12:00:00Z"),
    ),
    true,
  );
});

Deno.test("never late: delivered (status or event), a cancelled order, no or no readable estimate", () => {
  const later = at("2027-01-01T00:00:00Z");
  assert.equal(isShipmentLate(ship({ status: "delivered", overdue: true }), later), false);
  assert.equal(
    isShipmentLate(ship({ events: [{ status: "delivered" }], overdue: true }), later),
    false,
  );
  assert.equal(isShipmentLate({ status: "exception" }, later, { status: "cancelled" }), false);
  assert.equal(isShipmentLate(ship({ estimated_delivery: undefined }), later), false);
  assert.equal(isShipmentLate(ship({ estimated_delivery: "soon" }), later), false);
});

Deno.test("orders: a late open shipment, or the ERP's date over for what has no estimate", () => {
  const now = at("2026-01-16T12:00:00Z");
  const shipped = { status: "shipped", delivery_date: "2026-01-18" };
  assert.equal(isOrderLate(shipped, [ship()], now), false);
  // Nothing shipped, past the ERP's date.
  assert.equal(isOrderLate({ status: "processing", delivery_date: "2026-01-14" }, [], now), true);
  assert.equal(isOrderLate({ status: "processing", delivery_date: "2026-01-18" }, [], now), false);
  // A shipment past its estimate, beside a delivered one.
  assert.equal(
    isOrderLate(shipped, [
      ship({ status: "delivered" }),
      ship({ estimated_delivery: "2026-01-10" }),
    ], now),
    true,
  );
  // A shipment without an estimate falls back to the order's date.
  assert.equal(
    isOrderLate(
      { ...shipped, delivery_date: "2026-01-14" },
      [ship({ estimated_delivery: null })],
      now,
    ),
    true,
  );
  // A carrier estimate past the ERP's date is not late by itself (the carrier has not moved it).
  assert.equal(isOrderLate(shipped, [ship({ estimated_delivery: "2026-01-21" })], now), false);
  // The carrier moved it: late.
  assert.equal(
    isOrderLate(shipped, [ship({ delivery: { revised_estimate: "2026-01-21" } })], now),
    true,
  );
  // Delivered and cancelled orders are never late.
  for (const status of ["delivered", "cancelled"]) {
    assert.equal(
      isOrderLate({ status, delivery_date: "2025-01-01" }, [ship({ status: "exception" })], now),
      false,
    );
  }
  // Every shipment delivered: not late, whatever the ERP's date.
  assert.equal(
    isOrderLate({ ...shipped, delivery_date: "2025-01-01" }, [ship({ status: "delivered" })], now),
    false,
  );
});

const STATUSES = [
  "label_created",
  "picked_up",
  "in_transit",
  "out_for_delivery",
  "exception",
  "delivered",
];
const day = fc.integer({ min: 0, max: 800 }).map((n) =>
  new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)
);
const estimate = fc.oneof(
  day,
  fc.tuple(
    day,
    fc.constantFrom("T09:00:00Z", "T17:00:00-05:00", "T08:30:00+14:00", "T23:00:00-12:00"),
  )
    .map(([d, t]) => d + t),
);
const facts: fc.Arbitrary<LateFacts> = fc.record({
  status: fc.constantFrom(...STATUSES),
  estimated_delivery: fc.option(estimate, { nil: undefined }),
  overdue: fc.option(fc.boolean(), { nil: undefined }),
  delivery: fc.option(fc.record({ revised_estimate: fc.option(day, { nil: undefined }) }), {
    nil: undefined,
  }),
});
const instant = fc.integer({ min: Date.UTC(2024, 11, 1), max: Date.UTC(2027, 3, 1) });

Deno.test("property: once late, late at every later time", () => {
  fc.assert(fc.property(facts, instant, fc.nat(400 * 86_400_000), (s, t, dt) => {
    if (isShipmentLate(s, new Date(t))) assert.equal(isShipmentLate(s, new Date(t + dt)), true);
  }));
  fc.assert(
    fc.property(fc.array(facts, { maxLength: 4 }), day, instant, fc.nat(400 * 86_400_000), (
      ss,
      d,
      t,
      dt,
    ) => {
      const o = { status: "shipped", delivery_date: d };
      if (isOrderLate(o, ss, new Date(t))) assert.equal(isOrderLate(o, ss, new Date(t + dt)), true);
    }),
  );
});

Deno.test("property: delivered and cancelled are never late; no signal before the day ends", () => {
  fc.assert(fc.property(facts, instant, (s, t) => {
    const now = new Date(t);
    assert.equal(isShipmentLate({ ...s, status: "delivered" }, now), false);
    assert.equal(isShipmentLate(s, now, { status: "cancelled" }), false);
    assert.equal(
      isOrderLate({ status: "cancelled", delivery_date: "2020-01-01" }, [s], now),
      false,
    );
    // A date estimate is never late while that date is still running anywhere (UTC−12..+14).
    if (s.status !== "exception" && !s.overdue && !s.delivery?.revised_estimate) {
      const d = s.estimated_delivery?.slice(0, 10);
      if (d && t < Date.parse(`${d}T23:59:59.999-12:00`) && s.estimated_delivery!.length === 10) {
        assert.equal(isShipmentLate(s, now), false);
      }
    }
  }));
});

/** Fixed samples the TZ subprocesses answer for (see `answers`). */
export function answers(): boolean[] {
  const out: boolean[] = [];
  fc.assert(
    fc.property(facts, instant, (s, t) => {
      out.push(isShipmentLate(s, new Date(t)));
      out.push(isOrderLate({ status: "shipped", delivery_date: "2026-01-18" }, [s], new Date(t)));
    }),
    { seed: 12, numRuns: 500 },
  );
  return out;
}

if (import.meta.main) console.log(JSON.stringify(answers()));

Deno.test("property: the same answers whatever the process's time zone", async () => {
  const here = answers();
  for (const tz of ["UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", new URL(import.meta.url).pathname],
      cwd: new URL("../../", import.meta.url).pathname,
      env: { TZ: tz },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), here, `TZ=${tz}`);
  }
});
