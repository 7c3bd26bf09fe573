/**
 * Model-based check of the store's invariants after random sequences of writes (some run
 * concurrently): every order has exactly the index entries its status calls for, no stale
 * entry survives a status, date or customer change, the counters (one per filter) and the
 * search entries equal a recount, and the poller's index holds exactly the undelivered
 * shipments.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import type { OrderStatus, TrackingStatus } from "@/lib/orders/model.ts";
import {
  ORDER_FILTERS,
  ORDER_STATUSES,
  type OrderFilter,
  TRACKING_STATUSES,
} from "@/lib/orders/model.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { getCounts, getStats, orderFilters } from "@/lib/orders/order_index.ts";
import { searchTerms } from "@/lib/orders/search.ts";
import { listOrders, upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { addTrackingEvent, listActiveShipments, upsertShipment } from "@/lib/orders/shipments.ts";

const NOW = new Date("2026-01-16T12:00:00Z");
const CUSTOMERS = ["C1", "C2", "C3"];
const ORDERS = ["O1", "O2", "O3", "O4"];
const TRACKING = ["T100", "T200"];

type Op =
  | { kind: "order"; number: string; customer: string; status: OrderStatus; day: number }
  | { kind: "shipment"; number: string; tracking: string }
  | { kind: "event"; number: string; tracking: string; status: TrackingStatus; minute: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("order" as const),
    number: fc.constantFrom(...ORDERS),
    customer: fc.constantFrom(...CUSTOMERS),
    status: fc.constantFrom(...ORDER_STATUSES),
    day: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant("shipment" as const),
    number: fc.constantFrom(...ORDERS),
    tracking: fc.constantFrom(...TRACKING),
  }),
  fc.record({
    kind: fc.constant("event" as const),
    number: fc.constantFrom(...ORDERS),
    tracking: fc.constantFrom(...TRACKING),
    status: fc.constantFrom(...TRACKING_STATUSES),
    minute: fc.integer({ min: 0, max: 59 }),
  }),
);

async function apply(kv: Deno.Kv, op: Op) {
  try {
    if (op.kind === "order") {
      await upsertOrder(kv, "acme", op.number, {
        customer_ref: op.customer,
        order_date: `2026-01-0${op.day}`,
        delivery_date: "2026-01-20",
        status: op.status,
        currency: "USD",
        delivery_address: "A",
        lines: [{ item_code: "P", description: "D", qty_ordered: "1", unit_price: "1" }],
      }, NOW);
    } else if (op.kind === "shipment") {
      await upsertShipment(kv, "acme", op.number, `${op.number}${op.tracking}`, {
        carrier: "ups",
        shipped_at: "2026-01-15T10:00:00Z",
      }, NOW);
    } else {
      await addTrackingEvent(kv, "acme", op.number, `${op.number}${op.tracking}`, {
        status: op.status,
        occurred_at: `2026-01-15T11:${String(op.minute).padStart(2, "0")}:00Z`,
        description: `${op.status} ${op.minute}`,
      }, NOW);
    }
  } catch (err) {
    // Writes to orders or shipments that do not exist yet are expected to be refused.
    if (!(err instanceof Error && /No (order|shipment)/.test(err.message))) throw err;
  }
}

const MOVING = new Set(["picked_up", "in_transit", "out_for_delivery", "exception"]);

Deno.test("property: indexes, counters and the poller index match a recount", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
      async (rounds) => {
        const kv = await Deno.openKv(":memory:");
        try {
          await createOrg(kv, {
            slug: "acme",
            name: "A",
            support_email: "a@a.example",
            support_phone: "1",
          }, NOW);
          for (const c of CUSTOMERS) {
            await upsertCustomer(kv, "acme", c, { name: c, email: "c@c.example" }, NOW);
          }
          // Each round's operations race each other.
          for (const round of rounds) await Promise.all(round.map((op) => apply(kv, op)));

          const seen = new Map<string, string>();
          for (const c of CUSTOMERS) {
            const all = (await listOrders(kv, "acme", c, { limit: 50 })).orders;
            for (const o of all) {
              assert.deepEqual(seen.has(o.order_number), false, `${o.order_number} listed twice`);
              seen.set(o.order_number, c);
              assert.deepEqual(o.customer_ref, c);
            }
            const isOpen = (o: { status: string }) =>
              o.status === "processing" || o.status === "shipped";
            const moving = (o: (typeof all)[number]) =>
              isOpen(o) && o.shipments.some((s) => MOVING.has(s.status));
            const wants: Record<OrderFilter, (o: (typeof all)[number]) => boolean> = {
              all: () => true,
              active: isOpen,
              in_transit: moving,
              shipped: (o) => o.status === "shipped",
              delivered: (o) => o.status === "delivered",
              cancelled: (o) => o.status === "cancelled",
            };
            for (const f of ORDER_FILTERS) {
              const got = (await listOrders(kv, "acme", c, { filter: f, limit: 50 })).orders
                .map((o) => o.order_number);
              const want = all.filter(wants[f]).map((o) => o.order_number);
              assert.deepEqual(got, want, `${c} ${f}`);
            }
            const open = all.filter(isOpen);
            assert.deepEqual(await getStats(kv, "acme", c), {
              active: open.length,
              in_transit: open.filter(moving).length,
              delivered: all.filter((o) => o.status === "delivered").length,
            }, `stats of ${c}`);
            const counts = await getCounts(kv, "acme", c);
            for (const f of ORDER_FILTERS) {
              assert.deepEqual(counts[f], all.filter(wants[f]).length, `count ${c} ${f}`);
            }
          }
          const indexCount = (await Array.fromAsync(kv.list({ prefix: ["order_index"] }))).length;
          let expected = 0;
          const searchWanted = new Map<string, string[]>();
          for (const c of CUSTOMERS) {
            for (const o of (await listOrders(kv, "acme", c, { limit: 50 })).orders) {
              const filters = orderFilters(o);
              expected += filters.length;
              for (const term of searchTerms(o)) {
                searchWanted.set(
                  JSON.stringify(["order_search", "acme", c, term, o.order_date, o.order_number]),
                  filters,
                );
              }
            }
          }
          assert.deepEqual(indexCount, expected, "no stale index entries");
          // Search entries: exactly one per term of each order, holding its filters.
          const searchGot = new Map(
            (await Array.fromAsync(kv.list<string[]>({ prefix: ["order_search"] })))
              .map((e) => [JSON.stringify(e.key), e.value]),
          );
          assert.deepEqual(searchGot, searchWanted, "search entries match a recount");

          const shipments = await Array.fromAsync(
            kv.list<{ status: string; tracking_number: string }>({
              prefix: ["shipments"],
            }),
          );
          const active = (await Array.fromAsync(listActiveShipments(kv, "ups")))
            .map((a) => a.tracking_number).sort();
          assert.deepEqual(
            active,
            shipments.filter((s) => s.value.status !== "delivered").map((s) =>
              s.value.tracking_number
            )
              .sort(),
          );
        } finally {
          kv.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});

/** The whole index, page by page with cursors (pages of 25 never come from a head). */
async function pagesViaCursors(kv: Deno.Kv, ref: string, filter: OrderFilter) {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { orders: { order_number: string }[]; next_cursor: string | null } =
      await listOrders(kv, "acme", ref, { filter, cursor, limit: 25 });
    out.push(...page.orders.map((o) => o.order_number));
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

Deno.test("property: first pages read from heads equal the top of the index", async () => {
  // Enough orders that heads (21 entries) fill up, shrink on status changes and moves, and
  // must be refilled from the index; some writes race.
  const numbers = Array.from({ length: 30 }, (_, i) => `N${String(i).padStart(2, "0")}`);
  const writeArb = fc.record({
    number: fc.constantFrom(...numbers),
    customer: fc.constantFrom("C1", "C2"),
    status: fc.constantFrom(...ORDER_STATUSES),
    day: fc.integer({ min: 1, max: 9 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(writeArb, { minLength: 1, maxLength: 4 }), {
        minLength: 10,
        maxLength: 40,
      }),
      async (rounds) => {
        const kv = await Deno.openKv(":memory:");
        try {
          await createOrg(kv, {
            slug: "acme",
            name: "A",
            support_email: "a@a.example",
            support_phone: "1",
          }, NOW);
          for (const c of ["C1", "C2"]) {
            await upsertCustomer(kv, "acme", c, { name: c, email: "c@c.example" }, NOW);
          }
          for (const round of rounds) {
            await Promise.all(round.map((w) =>
              upsertOrder(kv, "acme", w.number, {
                customer_ref: w.customer,
                order_date: `2026-01-0${w.day}`,
                delivery_date: "2026-01-20",
                status: w.status,
                currency: "USD",
                delivery_address: "A",
                lines: [{ item_code: "P", description: "D", qty_ordered: "1", unit_price: "1" }],
              }, NOW)
            ));
          }
          for (const c of ["C1", "C2"]) {
            for (const f of ORDER_FILTERS) {
              const index = await pagesViaCursors(kv, c, f);
              for (const limit of [1, 5, 20]) {
                const head = await listOrders(kv, "acme", c, { filter: f, limit });
                assert.deepEqual(
                  head.orders.map((o) => o.order_number),
                  index.slice(0, limit),
                  `${c} ${f} ${limit}`,
                );
                assert.deepEqual(head.next_cursor !== null, index.length > limit, `${c} ${f} more`);
              }
            }
          }
        } finally {
          kv.close();
        }
      },
    ),
    { numRuns: 25 },
  );
});
