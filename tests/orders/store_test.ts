import { WIREFRAME_LINES } from "@/tests/helpers/wireframe.ts";
import assert from "node:assert/strict";
import type { OrderInput } from "@/lib/orders/input.ts";
import type { OrderStatus } from "@/lib/orders/model.ts";
import {
  getCustomer,
  recordVisit,
  UnknownCustomerError,
  upsertCustomer,
} from "@/lib/orders/customers.ts";
import { getStats, InvalidCursorError } from "@/lib/orders/order_index.ts";
import {
  deriveInvoiceNumber,
  getOrder,
  listOrders,
  OrderNotFoundError,
  readDashboard,
  upsertOrder,
} from "@/lib/orders/orders.ts";
import { createOrg, OrgExistsError } from "@/lib/orders/orgs.ts";
import {
  addTrackingEvent,
  applyTrackingUpdate,
  getShipments,
  getShipmentWithOwner,
  listActiveShipments,
  ShipmentNotFoundError,
  upsertShipment,
} from "@/lib/orders/shipments.ts";

const NOW = new Date("2026-01-16T12:00:00Z");

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await createOrg(kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.com",
      support_phone: "(555) 123-4567",
    }, NOW);
    for (const ref of ["C1", "C2"]) {
      await upsertCustomer(kv, "acme", ref, { name: ref, email: `${ref}@x.example` }, NOW);
    }
    await fn(kv);
  } finally {
    kv.close();
  }
}

function order(over: Partial<OrderInput> = {}): OrderInput {
  return {
    customer_ref: "C1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped",
    currency: "USD",
    delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
    lines: [{ item_code: "P1", description: "Thing", qty_ordered: "3", unit_price: "0.1" }],
    ...over,
  };
}

/** Every key of the store, for index-consistency checks. */
async function dump(kv: Deno.Kv, prefix: string) {
  const out: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: [prefix] })) out.push(e.key);
  return out;
}

Deno.test("orgs are created once; customers upsert with created flag", async () => {
  await withKv(async (kv) => {
    await assert.rejects(
      () =>
        createOrg(
          kv,
          { slug: "acme", name: "x", support_email: "a@b.co", support_phone: "1" },
          NOW,
        ),
      OrgExistsError,
    );
    const again = await upsertCustomer(kv, "acme", "C1", {
      name: "New",
      email: "n@x.example",
      locale: "pl",
    }, NOW);
    assert.deepEqual(again.created, false);
    assert.deepEqual(again.customer.locale, "pl");
    const kept = await upsertCustomer(kv, "acme", "C1", { name: "New", email: "n@x.example" }, NOW);
    assert.deepEqual(kept.customer.locale, "pl");
  });
});

Deno.test("recordVisit returns the previous visit and writes at most once an hour", async () => {
  await withKv(async (kv) => {
    assert.deepEqual(await recordVisit(kv, "acme", "C1", NOW), null);
    const t1 = new Date(NOW.getTime() + 30 * 60_000);
    assert.deepEqual(await recordVisit(kv, "acme", "C1", t1), NOW.toISOString());
    assert.deepEqual((await getCustomer(kv, "acme", "C1"))!.last_visit_at, NOW.toISOString());
    const t2 = new Date(NOW.getTime() + 61 * 60_000);
    assert.deepEqual(await recordVisit(kv, "acme", "C1", t2), NOW.toISOString());
    assert.deepEqual((await getCustomer(kv, "acme", "C1"))!.last_visit_at, t2.toISOString());
    assert.deepEqual(await recordVisit(kv, "acme", "nobody", t2), null);
  });
});

Deno.test("upsertOrder computes totals server-side and keeps the invoice number", async () => {
  await withKv(async (kv) => {
    const { order: o, created } = await upsertOrder(
      kv,
      "acme",
      "ORD-008456",
      order({
        lines: WIREFRAME_LINES,
      }),
      NOW,
    );
    assert(created);
    assert.deepEqual([o.subtotal, o.tax, o.shipping, o.total, o.items_count], [
      "8450.00",
      "0.00",
      undefined,
      "8450.00",
      3,
    ]);
    assert.deepEqual(o.lines.map((l) => l.line_total), ["3700.00", "1845.00", "2905.00"]);
    assert.deepEqual(o.invoice_number, "INV-2026-08456");
    const again = await upsertOrder(
      kv,
      "acme",
      "ORD-008456",
      order({ order_date: "2027-01-01" }),
      NOW,
    );
    assert.deepEqual(again.created, false);
    assert.deepEqual(again.order.invoice_number, "INV-2026-08456");
    assert.deepEqual(again.order.total, "0.30");
    assert.deepEqual((await getOrder(kv, "acme", "C1", "ORD-008456"))!.lines.length, 1);
  });
  assert.deepEqual(deriveInvoiceNumber("ORD-000000", "2026-01-01"), "INV-2026-00000");
  assert.deepEqual(deriveInvoiceNumber("ABC", "2026-01-01"), "INV-2026-ABC");
});

Deno.test("unknown customers and bad input are rejected", async () => {
  await withKv(async (kv) => {
    await assert.rejects(
      () => upsertOrder(kv, "acme", "O1", order({ customer_ref: "NOPE" }), NOW),
      UnknownCustomerError,
    );
    await assert.rejects(() => upsertOrder(kv, "acme", "O1", order({ lines: [] }), NOW));
    assert.deepEqual(await dump(kv, "orders"), []);
  });
});

Deno.test("500 long lines are stored in chunks under the 64 KiB value limit", async () => {
  await withKv(async (kv) => {
    const lines = Array.from({ length: 500 }, (_, i) => ({
      item_code: `P-${i}`.padEnd(64, "x"),
      description: "Żelki ".repeat(50),
      qty_ordered: "999999999.999",
      uom: "ą".repeat(16),
      unit_price: "999999999999.9999",
    }));
    const { order: o } = await upsertOrder(kv, "acme", "BIG", order({ lines }), NOW);
    assert.deepEqual(o.items_count, 500);
    const got = (await getOrder(kv, "acme", "C1", "BIG"))!;
    assert.deepEqual(got.lines, o.lines);
    // Shrinking drops the chunks no longer needed.
    await upsertOrder(kv, "acme", "BIG", order(), NOW);
    const lineKeys = (await dump(kv, "orders")).filter((k) => k[4] === "lines");
    assert.deepEqual(lineKeys.length, 1);
  });
});

Deno.test("orders of another customer are never returned", async () => {
  await withKv(async (kv) => {
    await upsertOrder(kv, "acme", "O1", order(), NOW);
    assert.deepEqual(await getOrder(kv, "acme", "C2", "O1"), null);
    assert.deepEqual(await getOrder(kv, "other", "C1", "O1"), null);
    assert.deepEqual((await listOrders(kv, "acme", "C2")).orders, []);
    await upsertShipment(kv, "acme", "O1", "T1", {
      carrier: "ups",
      shipped_at: "2026-01-15T10:30:00Z",
    }, NOW);
    assert.deepEqual(await getShipments(kv, "acme", "C2", "O1"), []);
    assert.deepEqual((await getShipments(kv, "acme", "C1", "O1")).length, 1);
  });
});

Deno.test("pagination across 120 orders: newest first, no duplicates, no gaps, filters", async () => {
  await withKv(async (kv) => {
    const statuses: OrderStatus[] = ["processing", "shipped", "delivered", "cancelled"];
    const expected: { number: string; date: string; status: OrderStatus }[] = [];
    for (let i = 0; i < 120; i++) {
      // Several orders share a date so the order number breaks ties.
      const date = new Date(Date.UTC(2025, 0, 1 + Math.floor(i / 3))).toISOString().slice(0, 10);
      const number = `ORD-${String(i).padStart(6, "0")}`;
      const status = statuses[(i * 7) % 4];
      expected.push({ number, date, status });
      await upsertOrder(kv, "acme", number, order({ order_date: date, status }), NOW);
    }
    const newestFirst = [...expected].sort((a, b) =>
      a.date === b.date ? (a.number < b.number ? 1 : -1) : (a.date < b.date ? 1 : -1)
    );
    const pageAll = async (
      filter: "all" | "active" | "shipped" | "delivered" | "cancelled",
      limit?: number,
    ) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<typeof listOrders>> = await listOrders(kv, "acme", "C1", {
          filter,
          cursor,
          limit,
        });
        assert(page.orders.length <= (limit ?? 20));
        seen.push(...page.orders.map((o) => o.order_number));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      return seen;
    };
    assert.deepEqual(await pageAll("all"), newestFirst.map((o) => o.number));
    assert.deepEqual(await pageAll("all", 7), newestFirst.map((o) => o.number));
    assert.deepEqual(await pageAll("all", 120), newestFirst.map((o) => o.number));
    assert.deepEqual(
      await pageAll("active"),
      newestFirst.filter((o) => o.status === "processing" || o.status === "shipped").map((o) =>
        o.number
      ),
    );
    for (const s of ["shipped", "delivered", "cancelled"] as const) {
      assert.deepEqual(
        await pageAll(s, 9),
        newestFirst.filter((o) => o.status === s).map((o) => o.number),
      );
    }
    const first = await listOrders(kv, "acme", "C1", { limit: 500 });
    assert.deepEqual(first.orders.length, 50);
    assert.deepEqual(first.orders[0].order_number, newestFirst[0].number);
    // The last page says so: no cursor to an empty page.
    const cancelled = expected.filter((o) => o.status === "cancelled").length;
    const exact = await listOrders(kv, "acme", "C1", { filter: "cancelled", limit: cancelled });
    assert.deepEqual([exact.orders.length, exact.next_cursor], [cancelled, null]);
    for (const bad of ["%%%", btoa("[1,2]"), btoa("not json"), "x".repeat(1000)]) {
      await assert.rejects(
        () => listOrders(kv, "acme", "C1", { cursor: bad }),
        InvalidCursorError,
        bad,
      );
    }
  });
});

Deno.test("status and customer changes leave no stale index entries; stats follow", async () => {
  await withKv(async (kv) => {
    await upsertOrder(kv, "acme", "O1", order({ status: "processing" }), NOW);
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 1, in_transit: 0, delivered: 0 });
    await upsertOrder(
      kv,
      "acme",
      "O1",
      order({ status: "delivered", order_date: "2026-01-10" }),
      NOW,
    );
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 0, in_transit: 0, delivered: 1 });
    assert.deepEqual((await dump(kv, "order_index")).map((k) => k.slice(2).join("|")), [
      "C1|all|2026-01-10|O1",
      "C1|delivered|2026-01-10|O1",
    ]);
    // Move to the other customer.
    await upsertOrder(kv, "acme", "O1", order({ customer_ref: "C2", status: "shipped" }), NOW);
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 0, in_transit: 0, delivered: 0 });
    assert.deepEqual(await getStats(kv, "acme", "C2"), { active: 1, in_transit: 0, delivered: 0 });
    assert.deepEqual((await dump(kv, "order_index")).map((k) => k.slice(2).join("|")), [
      "C2|active|2026-01-14|O1",
      "C2|all|2026-01-14|O1",
      "C2|shipped|2026-01-14|O1",
    ]);
    assert.deepEqual((await dump(kv, "orders")).map((k) => k.slice(2, 5).join("|")), [
      "C2|O1|header",
      "C2|O1|lines",
    ]);
    assert.deepEqual(await getOrder(kv, "acme", "C1", "O1"), null);
    assert.deepEqual((await getOrder(kv, "acme", "C2", "O1"))!.customer_ref, "C2");
  });
});

Deno.test("shipments: summary on the order, in-transit stats, events sorted, poller index", async () => {
  await withKv(async (kv) => {
    await assert.rejects(
      () =>
        upsertShipment(kv, "acme", "NOPE", "T1", {
          carrier: "ups",
          shipped_at: "2026-01-15T10:30:00Z",
        }, NOW),
      OrderNotFoundError,
    );
    await upsertOrder(kv, "acme", "O1", order({ status: "processing" }), NOW);
    const { created } = await upsertShipment(kv, "acme", "O1", "123456789012", {
      carrier: "fedex",
      carrier_name: "FedEx Freight",
      shipped_at: "2026-01-15T10:30:00-05:00",
      estimated_delivery: "2026-01-18",
    }, NOW);
    assert(created);
    let listed = (await listOrders(kv, "acme", "C1")).orders[0];
    assert.deepEqual(listed.shipments[0].status, "label_created");
    assert.deepEqual(listed.status, "processing");
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 1, in_transit: 0, delivered: 0 });

    await addTrackingEvent(kv, "acme", "O1", "123456789012", {
      status: "in_transit",
      occurred_at: "2026-01-16T08:45:00-05:00",
      description: "In transit to City B",
    }, NOW);
    const s = await addTrackingEvent(kv, "acme", "O1", "123456789012", {
      status: "picked_up",
      occurred_at: "2026-01-15T10:30:00-05:00",
      description: "Picked up from ACME Manufacturing",
    }, NOW);
    // Sorted oldest first; status is the latest event's.
    assert.deepEqual(s.events.map((e) => e.status), ["picked_up", "in_transit"]);
    assert.deepEqual(s.status, "in_transit");
    listed = (await listOrders(kv, "acme", "C1", { filter: "shipped" })).orders[0];
    assert.deepEqual(listed.status, "shipped"); // implied by moving goods
    assert.deepEqual(listed.shipments[0].status, "in_transit");
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 1, in_transit: 1, delivered: 0 });
    const active = [];
    for await (const a of listActiveShipments(kv, "fedex")) active.push(a);
    assert.deepEqual(active.map((a) => a.tracking_number), ["123456789012"]);

    const { previousStatus, shipment } = await applyTrackingUpdate(
      kv,
      "acme",
      "O1",
      "123456789012",
      {
        status: "delivered",
        events: [...s.events, {
          status: "delivered",
          occurred_at: "2026-01-18T09:00:00-05:00",
          description: "Delivered",
        }],
        last_refreshed_at: "2026-01-18T15:00:00Z",
      },
    );
    assert.deepEqual(previousStatus, "in_transit");
    assert.deepEqual(shipment.events.length, 3);
    const detail = (await getOrder(kv, "acme", "C1", "O1"))!;
    assert.deepEqual(detail.status, "delivered");
    assert.deepEqual(detail.shipments[0].delivered_at, "2026-01-18T09:00:00-05:00");
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 0, in_transit: 0, delivered: 1 });
    for await (const _ of listActiveShipments(kv, "fedex")) {
      throw new Error("delivered is not active");
    }

    await assert.rejects(
      () =>
        addTrackingEvent(kv, "acme", "O1", "NOPE1", {
          status: "in_transit",
          occurred_at: "2026-01-16T08:45:00Z",
          description: "x",
        }, NOW),
      ShipmentNotFoundError,
    );
  });
});

Deno.test("concurrent upserts of one customer's orders keep the counters exact", async () => {
  await withKv(async (kv) => {
    await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          upsertOrder(
            kv,
            "acme",
            `O${i}`,
            order({ status: i % 2 ? "delivered" : "processing" }),
            NOW,
          ),
      ),
    );
    await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) => upsertOrder(kv, "acme", `O${i}`, order({ status: "delivered" }), NOW),
      ),
    );
    assert.deepEqual(await getStats(kv, "acme", "C1"), { active: 0, in_transit: 0, delivered: 30 });
    assert.deepEqual((await listOrders(kv, "acme", "C1", { limit: 50 })).orders.length, 30);
  });
});

Deno.test("getShipmentWithOwner follows the order to its current customer", async () => {
  await withKv(async (kv) => {
    await upsertOrder(kv, "acme", "O1", order(), NOW);
    await upsertShipment(kv, "acme", "O1", "T100", {
      carrier: "usps",
      shipped_at: "2026-01-15T10:30:00Z",
    }, NOW);
    assert.deepEqual((await getShipmentWithOwner(kv, "acme", "O1", "T100"))?.customerRef, "C1");
    await upsertOrder(kv, "acme", "O1", order({ customer_ref: "C2" }), NOW);
    assert.deepEqual((await getShipmentWithOwner(kv, "acme", "O1", "T100"))?.customerRef, "C2");
    assert.deepEqual(await getShipmentWithOwner(kv, "acme", "O1", "NOPE"), null);
    assert.deepEqual(await getShipmentWithOwner(kv, "other", "O1", "T100"), null);
  });
});

/** Wraps a KV handle to count the operations and entries a function reads. */
function countingKv(kv: Deno.Kv) {
  const counts = { lists: 0, listed: 0, gets: 0 };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
          counts.lists++;
          const iter = target.list(selector, options);
          return (async function* () {
            for await (const e of iter) {
              counts.listed++;
              yield e;
            }
          })();
        };
      }
      if (prop === "get" || prop === "getMany") counts.gets++;
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { kv: proxy, counts };
}

Deno.test("a dashboard page reads the same few entries for 20 or 1,000 orders", async () => {
  for (const total of [20, 1000]) {
    await withKv(async (kv) => {
      for (let i = 0; i < total; i++) {
        const date = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
        await upsertOrder(kv, "acme", `O${i}`, order({ order_date: date }), NOW);
      }
      const { kv: counted, counts } = countingKv(kv);
      const page = await listOrders(counted, "acme", "C1", { filter: "active" });
      await getStats(counted, "acme", "C1");
      assert.deepEqual(page.orders.length, 20);
      // A first page is one point read of the filter's head, plus one getMany for the counters.
      assert.deepEqual(counts, { lists: 0, listed: 0, gets: 2 }, `${total} orders`);
      assert.deepEqual(page.next_cursor === null, total === 20);
      // The dashboard's stats, page and tracking-card orders: one getMany.
      const { counts: dashCounts, kv: dashKv } = countingKv(kv);
      const dash = await readDashboard(dashKv, "acme", "C1", {
        filter: "active",
        cursor: null,
        recent: { filter: "shipped", limit: 5 },
      });
      assert.deepEqual(dash.page, page);
      assert.deepEqual(dashCounts, { lists: 0, listed: 0, gets: 1 }, `${total} orders`);
      if (page.next_cursor) {
        // A later page: one range read of at most limit + 1 entries.
        const { kv: c2, counts: counts2 } = countingKv(kv);
        await listOrders(c2, "acme", "C1", { filter: "active", cursor: page.next_cursor });
        assert.deepEqual(counts2.lists, 1);
        assert(counts2.listed <= 21);
      }
    });
  }
});

Deno.test("updated_at is a version: every write moves it forward, never back", async () => {
  await withKv(async (kv) => {
    const at = async () => (await getOrder(kv, "acme", "C1", "O1"))!.updated_at;
    await upsertOrder(kv, "acme", "O1", order(), NOW);
    assert.equal(await at(), NOW.toISOString());
    // Two writes in one millisecond are still two versions.
    await upsertOrder(kv, "acme", "O1", order({ delivery_address: "Elsewhere 1" }), NOW);
    const second = await at();
    assert(Date.parse(second) > NOW.getTime(), second);

    // A shipment last refreshed before the order's latest change does not take it back.
    const later = new Date(NOW.getTime() + 60_000);
    await upsertShipment(kv, "acme", "O1", "T1000", {
      carrier: "manual",
      shipped_at: "2026-01-15T10:30:00Z",
    }, NOW);
    const withShipment = await at();
    assert(Date.parse(withShipment) > Date.parse(second), withShipment);
    await upsertOrder(kv, "acme", "O1", order({ delivery_address: "Third 3" }), later);
    assert.equal(await at(), later.toISOString());
    await upsertShipment(kv, "acme", "O1", "T1000", {
      carrier: "manual",
      carrier_name: "Own truck",
      shipped_at: "2026-01-15T10:30:00Z",
    }, NOW);
    assert(Date.parse(await at()) > later.getTime(), "a shipment change is a newer version");

    // A carrier refresh at a later time takes that time.
    const refreshed = new Date(later.getTime() + 3_600_000).toISOString();
    await applyTrackingUpdate(kv, "acme", "O1", "T1000", {
      status: "in_transit",
      events: [],
      last_refreshed_at: refreshed,
    });
    assert.equal(await at(), refreshed);
  });
});

Deno.test("cancelled_at: set by the write that cancels, kept while cancelled, gone if reinstated", async () => {
  await withKv(async (kv) => {
    const first = await upsertOrder(kv, "acme", "ORD-000001", order(), NOW);
    assert.equal(first.order.cancelled_at, undefined);
    const jan17 = new Date("2026-01-17T09:30:00Z");
    const cancelled = await upsertOrder(
      kv,
      "acme",
      "ORD-000001",
      order({ status: "cancelled" }),
      jan17,
    );
    assert.equal(cancelled.order.cancelled_at, jan17.toISOString());
    // The ERP sends the cancelled order again later: the cancellation keeps its date.
    const again = await upsertOrder(
      kv,
      "acme",
      "ORD-000001",
      order({ status: "cancelled", delivery_address: "Elsewhere" }),
      new Date("2026-01-20T00:00:00Z"),
    );
    assert.equal(again.order.cancelled_at, jan17.toISOString());
    assert.equal(
      (await getOrder(kv, "acme", "C1", "ORD-000001"))!.cancelled_at,
      jan17.toISOString(),
    );
    const reinstated = await upsertOrder(kv, "acme", "ORD-000001", order(), NOW);
    assert.equal(reinstated.order.cancelled_at, undefined);
  });
});
