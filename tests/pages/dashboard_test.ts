/**
 * The dashboard's list over real HTTP (in-process) and real KV: Quick Stats as links to their
 * filters with `aria-current`, Shipment Tracking before the list, "21–40 of 137" in three
 * languages, search by order or PO number as a plain GET form with its paging, the empty
 * search, and "Running late" on the row and the card in en, es and pl.
 */
import assert from "node:assert/strict";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";

const unescape = (s: string) =>
  s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">");
const rowLabels = (html: string) =>
  [...html.matchAll(/<tr aria-label="([^"]+)"/g)].map((m) => unescape(m[1]));
const range = (html: string) =>
  unescape(html.match(/<span class="list-meta__range">([^<]+)<\/span>/)?.[1] ?? "");
const relHref = (html: string, rel: string) =>
  unescape(html.match(new RegExp(`rel="${rel}" href="([^"]+)"`))?.[1] ?? "");

async function page(p: Portal, path: string) {
  const res = await p.fetch(path);
  assert.deepEqual(res.status, 200, path);
  return await res.text();
}

const BULK = 137;

/** The demo, plus CUST-BULK with 137 orders (every 5th with a PO) and a late shipment. */
async function withPortal(fn: (p: Portal, bulk: string) => Promise<void>) {
  const p = await startPortal({
    setup: async (services) => {
      const { kv } = services;
      const now = services.clock.now();
      await upsertCustomer(kv, "acme", "CUST-BULK", {
        name: "Bulk Buyer",
        email: "bulk@example.com",
      }, now);
      for (let i = 0; i < BULK; i++) {
        await upsertOrder(kv, "acme", `ORD-${String(20000 + i)}`, {
          customer_ref: "CUST-BULK",
          order_date: `2025-${String(1 + (i % 12)).padStart(2, "0")}-${
            String(1 + (i % 28)).padStart(2, "0")
          }`,
          delivery_date: "2025-12-30",
          status: i % 2 ? "delivered" : "cancelled",
          currency: "USD",
          delivery_address: "1 Bulk Way",
          lines: [{ item_code: "P", description: "W", qty_ordered: "1", unit_price: "1" }],
          ...(i % 5 === 0 ? { customer_po: `BULK-${i}` } : {}),
        }, now);
      }
      // The demo customer's ORD-008423 (UPS, est. Jan 17) becomes late: estimate Jan 14.
      await upsertShipment(kv, "acme", "ORD-008423", "1Z999AA10123456784", {
        carrier: "ups",
        carrier_name: "UPS",
        shipped_at: "2026-01-13T14:00:00Z",
        estimated_delivery: "2026-01-14",
      }, now);
      await applyTrackingUpdate(kv, "acme", "ORD-008423", "1Z999AA10123456784", {
        status: "in_transit",
        events: [],
        estimated_delivery: "2026-01-14",
        last_refreshed_at: now.toISOString(),
      });
    },
  });
  try {
    await fn(p, await p.linkFor("CUST-BULK"));
  } finally {
    await p.close();
  }
}

Deno.test("Quick Stats are links to their filters; the filter on show has aria-current", async () => {
  await withPortal(async (p) => {
    const html = await page(p, p.dashboard);
    const stats = [...html.matchAll(/<a class="stat stat--(\w+)" href="([^"]+)"([^>]*)>/g)];
    assert.deepEqual(stats.map((m) => [m[1], unescape(m[2])]), [
      ["active", `${p.dashboard}?status=active`],
      ["transit", `${p.dashboard}?status=in_transit`],
      ["delivered", `${p.dashboard}?status=delivered`],
    ]);
    assert(stats.every((m) => !m[3].includes("aria-current")), "none current on All");
    for (const [filter, kind, rows] of [["active", "active", 5], ["in_transit", "transit", 2]]) {
      const f = await page(p, `${p.dashboard}?status=${filter}`);
      assert.match(
        f,
        new RegExp(`<a class="stat stat--${kind}" href="[^"]+" aria-current="true">`),
      );
      assert.deepEqual((f.match(/class="stat [^"]+" href="[^"]+" aria-current/g) ?? []).length, 1);
      // The count on the link is the list's length.
      assert.deepEqual(rowLabels(f).length, rows);
      assert.match(f, new RegExp(`<span class="stat__value">${rows}</span></a></li>`));
    }
    // While searching, no stat is the list.
    assert.doesNotMatch(
      await page(p, `${p.dashboard}?q=PO&status=active`),
      /class="stat [^"]+" href="[^"]+" aria-current/,
    );
  });
});

Deno.test("shipments in motion come before the order list", async () => {
  await withPortal(async (p) => {
    const html = await page(p, p.dashboard);
    const ship = html.indexOf('aria-labelledby="ship-title"');
    const orders = html.indexOf('aria-labelledby="orders-title"');
    assert(ship > 0 && orders > ship, "Shipment Tracking precedes Your Orders");
  });
});

Deno.test("137 orders: '1–20 of 137', '21–40 of 137' … '121–137 of 137', in en, es and pl", async () => {
  await withPortal(async (p, bulk) => {
    let html = await page(p, bulk);
    assert.deepEqual(range(html), "1–20 of 137 orders");
    const seen = new Set(rowLabels(html).map((l) => l.split(",")[0]));
    const ranges = [range(html)];
    for (let next = relHref(html, "next"); next; next = relHref(html, "next")) {
      html = await page(p, next);
      ranges.push(range(html));
      for (const l of rowLabels(html)) seen.add(l.split(",")[0]);
    }
    assert.deepEqual(seen.size, BULK);
    assert.deepEqual(ranges.at(1), "21–40 of 137 orders");
    assert.deepEqual(ranges.at(-1), "121–137 of 137 orders");
    // Previous from page 3 says 21–40 again.
    const p3 = await page(p, relHref(await page(p, relHref(await page(p, bulk), "next")), "next"));
    assert.deepEqual(range(p3), "41–60 of 137 orders");
    assert.deepEqual(range(await page(p, relHref(p3, "prev"))), "21–40 of 137 orders");
    const second = relHref(await page(p, bulk), "next");
    assert.deepEqual(range(await page(p, `${second}&lang=es`)), "21–40 de 137 pedidos");
    assert.deepEqual(range(await page(p, `${second}&lang=pl`)), "21–40 z 137 zamówień");
    // Filters count from their counters.
    assert.deepEqual(range(await page(p, `${bulk}?status=delivered`)), "1–20 of 68 orders");
    assert.deepEqual(
      range(await page(p, `${bulk}?status=cancelled&lang=pl`)),
      "1–20 z 69 zamówień",
    );
    // A doctored page number never claims rows past the end.
    const doctored = await page(p, `${second.replace(/page=2/, "page=99")}`);
    assert.deepEqual(range(doctored), "101–120 of 137 orders");
  });
});

Deno.test("search: a GET form; by order number or PO; counted and paged; nothing found", async () => {
  await withPortal(async (p, bulk) => {
    const html = await page(p, p.dashboard);
    assert.match(html, /<form class="search" method="get" action="[^"]+" role="search">/);
    assert.match(html, /<input id="order-search" name="q" type="search"/);
    // By PO, any case: the demo's PO-4471 is ORD-008456.
    const po = await page(p, `${p.dashboard}?q=po-4471`);
    assert.deepEqual(rowLabels(po).map((l) => l.split(",")[0]), ["Order ORD-008456"]);
    assert.match(po, /Results for “po-4471”/);
    assert.deepEqual(range(po), "1–1 of 1 order");
    // The label names whose number it is, without repeating the PO's own prefix.
    assert.match(po, /Your PO: PO-4471/);
    assert.doesNotMatch(po, /PO PO-/);
    // By number digits.
    assert.deepEqual(
      rowLabels(await page(p, `${p.dashboard}?q=8456`)).map((l) => l.split(",")[0]),
      ["Order ORD-008456"],
    );
    // Over 137 orders: "ORD-2" matches all; paged by number; the last page holds the rest.
    const s1 = await page(p, `${bulk}?q=ORD-2`);
    assert.deepEqual(range(s1), "1–20 of 137 orders");
    const next = relHref(s1, "next");
    assert.match(next, /q=ORD-2&page=2/);
    assert.deepEqual(range(await page(p, next)), "21–40 of 137 orders");
    const last = await page(p, `${bulk}?q=ORD-2&page=7`);
    assert.deepEqual([range(last), relHref(last, "next")], ["121–137 of 137 orders", ""]);
    // Past the last page: the last page.
    assert.deepEqual(range(await page(p, `${bulk}?q=ORD-2&page=50`)), "121–137 of 137 orders");
    // PO prefix within a filter: BULK-0, BULK-10, … (every 5th order; even ones are cancelled).
    const cancelled = await page(p, `${bulk}?q=bulk-1&status=cancelled`);
    assert(rowLabels(cancelled).every((l) => l.endsWith("Status: Cancelled")));
    assert.match(cancelled, /<input type="hidden" name="status" value="cancelled"/);
    // Nothing found: the empty state says so and offers every order.
    const none = await page(p, `${p.dashboard}?q=NO-SUCH&lang=es`);
    assert.match(none, /Ningún pedido coincide con «NO-SUCH»\./);
    assert.match(none, /Ver todos los pedidos/);
    // Hostile input is just a search that finds nothing.
    for (const q of ["%00", "<script>", "a".repeat(5000), "%E2%80%AE"]) {
      const res = await p.fetch(`${p.dashboard}?q=${q}`);
      assert.deepEqual(res.status, 200, q);
      assert.doesNotMatch(await res.text(), /<script>/);
    }
  });
});

Deno.test("Running late on the dashboard row and card, in en, es and pl", async () => {
  await withPortal(async (p) => {
    for (
      const [lang, badge, label] of [
        ["en", "Running late", "Status: Shipped, running late"],
        ["es", "Con retraso", "estado: Enviado, con retraso"],
        ["pl", "Opóźnienie", "Wysłane, opóźnione"],
      ]
    ) {
      const html = await page(p, `${p.dashboard}?lang=${lang}`);
      const row = rowLabels(html).find((l) => l.includes("ORD-008423"))!;
      assert(row.endsWith(label), `${lang}: ${row}`);
      // The on-time ORD-008456 is not late.
      assert(!rowLabels(html).find((l) => l.includes("ORD-008456"))!.includes(label));
      const card = html.match(/<li class="shipment shipment--late">.*?<\/li>/s)?.[0] ?? "";
      assert.match(card, /ORD-008423/);
      assert.match(card, new RegExp(`<span class="badge badge--late">${badge}</span>`));
      assert.deepEqual((html.match(/class="shipment shipment--late"/g) ?? []).length, 1, lang);
      assert.deepEqual((html.match(/class="badge badge--late"/g) ?? []).length, 2, lang);
    }
  });
});

Deno.test("every date on the order list and the shipment cards carries its year", async () => {
  await withPortal(async (p) => {
    for (const lang of ["en", "es", "pl"]) {
      const html = await page(p, `${p.dashboard}?lang=${lang}`);
      const list = html.slice(html.indexOf('<table class="orders">'));
      // Order date and delivery date cells, and the line under the status.
      const dates = [
        ...[...list.matchAll(/<td data-label="[^"]+">\s*<span class="nowrap">([^<]+)<\/span>/g)]
          .map((m) => m[1]),
        ...[...html.matchAll(/<span class="shipment__est">([^<]+)<\/span>/g)].map((m) => m[1]),
        ...[...list.matchAll(/<span class="orders__detail">([^<]+)<\/span>/g)].map((m) => m[1])
          .filter((d) => /\d/.test(d) && !/#|\d{6}/.test(d)),
      ];
      assert(dates.length >= 10, `${lang}: ${dates}`);
      for (const d of dates) assert.match(d, /\b20\d\d\b/, `${lang}: "${d}" has no year`);
    }
  });
});
