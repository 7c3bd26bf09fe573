/**
 * Search and counts over 137 orders of one customer (real KV, the public API in-process):
 * totals from the counters for every filter, prefix search by order number, by its digits
 * and by the customer's PO (case-insensitive), search within a filter, paging through every
 * match once, the scan bound, and the index kept in step when an order's PO, status or
 * shipments change. Also `customer_po` validation on the admin API.
 */
import assert from "node:assert/strict";
import { getCounts } from "@/lib/orders/order_index.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { searchOrders, searchTerms } from "@/lib/orders/search.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import type { OrderInput } from "@/lib/orders/input.ts";
import { type OrdersServer, startOrdersServer } from "@/tests/orders/server_helpers.ts";

const STATUSES = ["processing", "shipped", "delivered", "cancelled"] as const;
const COUNT = 137;

function body(i: number, over: Partial<OrderInput> = {}): OrderInput {
  const day = String(1 + (i % 28)).padStart(2, "0");
  const month = String(1 + Math.floor(i / 28)).padStart(2, "0");
  return {
    customer_ref: "CUST-1",
    order_date: `2025-${month}-${day}`,
    delivery_date: `2025-${month}-${day}`,
    status: STATUSES[i % 4],
    currency: "USD",
    delivery_address: "1 Test Way",
    lines: [{ item_code: "P-1", description: "Widget", qty_ordered: "1", unit_price: "9.99" }],
    // Every third order has a PO: "PO-7000", "PO-7003", …
    ...(i % 3 === 0 ? { customer_po: `po-${7000 + i}` } : {}),
    ...over,
  };
}

const number = (i: number) => `ORD-${String(10000 + i).padStart(6, "0")}`;

async function withOrders(fn: (s: OrdersServer, token: string) => Promise<void>) {
  const s = await startOrdersServer();
  try {
    await s.org("acme");
    const key = await s.adminKey("acme");
    for (const ref of ["CUST-1", "CUST-2"]) {
      const res = await s.fetch(`/api/admin/v1/customers/${ref}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ name: ref, email: "c@example.com" }),
      });
      await res.body?.cancel();
    }
    const now = s.clock.now();
    for (let i = 0; i < COUNT; i++) {
      await upsertOrder(s.services.kv, "acme", number(i), body(i), now);
    }
    // Another customer's order with a matching PO must never show.
    await upsertOrder(s.services.kv, "acme", "ORD-999999", {
      ...body(0),
      customer_ref: "CUST-2",
      customer_po: "PO-7000",
    }, now);
    await fn(s, await s.linkToken("acme", "CUST-1"));
  } finally {
    await s.close();
  }
}

// deno-lint-ignore no-explicit-any
async function api(s: OrdersServer, token: string, query: string): Promise<any> {
  const res = await s.fetch(`/api/portal/customer/${token}/orders${query}`);
  const json = await res.json();
  return { status: res.status, ...json };
}

Deno.test("search terms: number, its digits, the PO and the PO's digits, upper-cased", () => {
  assert.deepEqual(searchTerms({ order_number: "ORD-008456", customer_po: " po 4471 " }), [
    "ORD-008456",
    "8456",
    "PO 4471",
    "4471",
  ]);
  assert.deepEqual(searchTerms({ order_number: "A-1", customer_po: "A-1" }), ["A-1", "1"]);
  assert.deepEqual(searchTerms({ order_number: "X" }), ["X"]);
});

Deno.test("API: totals come from the counters for every filter", async () => {
  await withOrders(async (s, token) => {
    const all = await api(s, token, "");
    assert.deepEqual(all.status, 200);
    assert.deepEqual(all.total, COUNT);
    assert.deepEqual(all.total_exact, true);
    const per = (st: string) =>
      Array.from({ length: COUNT }, (_, i) => i).filter((i) => STATUSES[i % 4] === st).length;
    assert.deepEqual(all.counts, {
      all: COUNT,
      active: per("processing") + per("shipped"),
      in_transit: 0,
      shipped: per("shipped"),
      delivered: per("delivered"),
      cancelled: per("cancelled"),
    });
    assert.deepEqual(all.stats, {
      active: all.counts.active,
      in_transit: 0,
      delivered: all.counts.delivered,
    });
    for (const f of ["active", "shipped", "delivered", "cancelled"]) {
      const r = await api(s, token, `?status=${f}`);
      assert.deepEqual(r.total, all.counts[f], f);
    }
    // Walking the pages of "all" meets every order once, as many as the total says.
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const r = await api(s, token, `?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      for (const o of r.orders) seen.add(o.order_number);
      cursor = r.next_cursor;
    } while (cursor);
    assert.deepEqual(seen.size, COUNT);
  });
});

Deno.test("API: search by order number prefix, by its digits, by PO (exact and prefix)", async () => {
  await withOrders(async (s, token) => {
    const numbers = async (q: string, extra = "") =>
      (await api(s, token, `?q=${encodeURIComponent(q)}${extra}&limit=50`)).orders.map((
        o: { order_number: string },
      ) => o.order_number);
    // Order number prefix: ORD-010010 … ORD-010019 (newest first: order date, then number).
    const byPrefix = await numbers("ord-01001");
    assert.deepEqual(byPrefix.length, 10);
    assert.deepEqual(
      new Set(byPrefix),
      new Set(Array.from({ length: 10 }, (_, i) => number(10 + i))),
    );
    // Digits without the letters or leading zeros: "10136" and "010136" find ORD-010136.
    assert.deepEqual(await numbers("10136"), [number(136)]);
    assert.deepEqual(await numbers("010136"), [number(136)]);
    // PO, any case, exact or prefix; the other customer's PO-7000 never shows.
    assert.deepEqual(await numbers("PO-7000"), [number(0)]);
    assert.deepEqual(
      await numbers("po-700"),
      [number(0), number(3), number(6), number(9)].reverse(),
    );
    const r = await api(s, token, "?q=PO-71");
    assert.deepEqual(
      r.total,
      Array.from({ length: COUNT }, (_, i) => i).filter((i) =>
        i % 3 === 0 && String(7000 + i).startsWith("71")
      ).length,
    );
    // Within a filter.
    const cancelled = await api(s, token, "?q=PO-70&status=cancelled&limit=50");
    assert(cancelled.orders.length > 0);
    assert(cancelled.orders.every((o: { status: string }) => o.status === "cancelled"));
    assert.deepEqual(cancelled.total, cancelled.orders.length);
    // No match.
    const none = await api(s, token, "?q=NOPE");
    assert.deepEqual([none.total, none.orders, none.next_cursor], [0, [], null]);
  });
});

Deno.test("API: a search is paged by its cursor, every match once, and says how many", async () => {
  await withOrders(async (s, token) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let total = 0;
    do {
      const r = await api(s, token, `?q=ORD-0&limit=20${cursor ? `&cursor=${cursor}` : ""}`);
      assert.deepEqual(r.status, 200);
      total = r.total;
      for (const o of r.orders) seen.push(o.order_number);
      cursor = r.next_cursor;
    } while (cursor);
    assert.deepEqual(total, COUNT);
    assert.deepEqual(seen.length, COUNT);
    assert.deepEqual(new Set(seen).size, COUNT);
    // Bad values are 400s, never 500s.
    for (
      const q of ["?q=ORD&cursor=%21%21", "?q=ORD&cursor=eyJvIjotMX0", `?q=${"x".repeat(300)}`]
    ) {
      const bad = await api(s, token, q);
      assert.deepEqual(bad.status, 400, q);
      assert.deepEqual(typeof bad.error.code, "string");
    }
  });
});

Deno.test("search reads a bounded number of entries and says when it stopped counting", async () => {
  await withOrders(async (s) => {
    const r = await searchOrders(s.services.kv, "acme", "CUST-1", "ORD", {
      filter: "all",
      offset: 0,
      limit: 20,
      scanLimit: 50,
    });
    assert.deepEqual([r.total, r.exact, r.orders.length], [50, false, 20]);
  });
});

Deno.test("the index follows the order: a new PO, a status change, a moving shipment", async () => {
  await withOrders(async (s) => {
    const { kv } = s.services;
    const now = s.clock.now();
    const find = (q: string, filter: "all" | "in_transit" | "delivered" = "all") =>
      searchOrders(kv, "acme", "CUST-1", q, { filter, offset: 0, limit: 20 }).then((r) =>
        r.orders.map((o) => o.order_number)
      );
    assert.deepEqual(await find("PO-7000"), [number(0)]);
    await upsertOrder(kv, "acme", number(0), body(0, { customer_po: "NEW-PO-1" }), now);
    assert.deepEqual(await find("PO-7000"), []);
    assert.deepEqual(await find("new-po"), [number(0)]);
    // A shipment on its way: in the in_transit filter, counted, found within it.
    await upsertShipment(kv, "acme", number(0), "1Z999AA10123456784", {
      carrier: "ups",
      shipped_at: "2026-01-15T10:00:00Z",
    }, now);
    await applyTrackingUpdate(kv, "acme", number(0), "1Z999AA10123456784", {
      status: "in_transit",
      events: [],
      last_refreshed_at: now.toISOString(),
    });
    assert.deepEqual((await getCounts(kv, "acme", "CUST-1")).in_transit, 1);
    assert.deepEqual(await find("new-po", "in_transit"), [number(0)]);
    // Delivered: out of in_transit and active, into delivered, counters moved.
    const before = await getCounts(kv, "acme", "CUST-1");
    await applyTrackingUpdate(kv, "acme", number(0), "1Z999AA10123456784", {
      status: "delivered",
      events: [],
      last_refreshed_at: now.toISOString(),
    });
    const after = await getCounts(kv, "acme", "CUST-1");
    assert.deepEqual(after.in_transit, 0);
    assert.deepEqual(after.delivered, before.delivered + 1);
    assert.deepEqual(after.active, before.active - 1);
    assert.deepEqual(after.all, COUNT);
    assert.deepEqual(await find("new-po", "in_transit"), []);
    assert.deepEqual(await find("new-po", "delivered"), [number(0)]);
  });
});

Deno.test("admin API: customer_po is one line of at most 35 characters, stored trimmed", async () => {
  const s = await startOrdersServer();
  try {
    await s.org("acme");
    const key = await s.adminKey("acme");
    const put = async (path: string, b: unknown) => {
      const res = await s.fetch(path, {
        method: "PUT",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(b),
      });
      return { status: res.status, json: await res.json() };
    };
    await put("/api/admin/v1/customers/CUST-1", { name: "C", email: "c@example.com" });
    for (const bad of ["", "   ", "a\nb", "x".repeat(36), "tab\there", "\u202eevil", 42, null]) {
      const r = await put("/api/admin/v1/orders/ORD-1", body(0, { customer_po: bad as string }));
      assert.deepEqual(r.status, 422, JSON.stringify(bad));
      assert(r.json.error.fields.customer_po, JSON.stringify(r.json));
    }
    const ok = await put("/api/admin/v1/orders/ORD-1", body(0, { customer_po: "  PO 4471/A  " }));
    assert.deepEqual(ok.status, 201);
    assert.deepEqual(ok.json.customer_po, "PO 4471/A");
    const token = await s.linkToken("acme", "CUST-1");
    const detail = await (await s.fetch(`/api/portal/customer/${token}/orders/ORD-1`)).json();
    assert.deepEqual(detail.customer_po, "PO 4471/A");
    const list = await (await s.fetch(`/api/portal/customer/${token}/orders?q=po%204471`)).json();
    assert.deepEqual(list.orders.map((o: { customer_po: string }) => o.customer_po), ["PO 4471/A"]);
  } finally {
    await s.close();
  }
});
