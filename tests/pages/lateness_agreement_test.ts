/**
 * One lateness everywhere (issue 12): for seeded shipments — late by estimate, late by the
 * poller's overdue flag, in exception, re-estimated later, on time, delivered, on a cancelled
 * order — the dashboard row, the tracking card, the order page (status line and tracking
 * block) and the tracking API give the same answer, in en, es and pl, over real HTTP with
 * real KV.
 */
import assert from "node:assert/strict";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import type { DeliveryFacts, OrderStatus, TrackingStatus } from "@/lib/orders/model.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import type { Services } from "@/lib/services.ts";
import { startPortal } from "@/tests/helpers/portal.ts";

interface Case {
  order: string;
  late: boolean;
  status: TrackingStatus;
  estimate: string;
  orderStatus?: OrderStatus;
  overdue?: boolean;
  delivery?: DeliveryFacts;
}

// The test clock stands at 2026-01-16T12:00:00Z.
const CASES: Case[] = [
  { order: "ORD-070001", late: true, status: "in_transit", estimate: "2026-01-14" },
  { order: "ORD-070002", late: true, status: "in_transit", estimate: "2026-01-20", overdue: true },
  { order: "ORD-070003", late: true, status: "exception", estimate: "2026-01-18" },
  {
    order: "ORD-070004",
    late: true,
    status: "in_transit",
    estimate: "2026-01-18",
    delivery: { revised_estimate: "2026-01-21", delay_reason: "Weather delay" },
  },
  { order: "ORD-070005", late: false, status: "in_transit", estimate: "2026-01-18" },
  { order: "ORD-070006", late: false, status: "delivered", estimate: "2026-01-10" },
  {
    order: "ORD-070007",
    late: false,
    status: "exception",
    estimate: "2026-01-10",
    orderStatus: "cancelled",
    overdue: true,
  },
];

const LANGS = {
  en: { badge: "Running late", label: "running late" },
  es: { badge: "Con retraso", label: "con retraso" },
  pl: { badge: "Opóźnienie", label: "opóźnione" },
} as const;

async function seed(services: Services) {
  const { kv } = services;
  const now = services.clock.now();
  await upsertCustomer(
    kv,
    "acme",
    "CUST-LATE",
    { name: "Late Buyer", email: "late@example.com" },
    now,
  );
  for (const [i, c] of CASES.entries()) {
    await upsertOrder(kv, "acme", c.order, {
      customer_ref: "CUST-LATE",
      order_date: `2026-01-0${i + 1}`,
      delivery_date: c.estimate,
      status: c.orderStatus ?? (c.status === "delivered" ? "delivered" : "shipped"),
      currency: "USD",
      delivery_address: "1 Late Way",
      lines: [{ item_code: "P", description: "W", qty_ordered: "1", unit_price: "1" }],
    }, now);
    const tracking = `LATE${i}0001`;
    await upsertShipment(kv, "acme", c.order, tracking, {
      carrier: "manual",
      carrier_name: "Acme Freight",
      shipped_at: "2026-01-08T10:00:00Z",
      estimated_delivery: c.estimate,
    }, now);
    await applyTrackingUpdate(kv, "acme", c.order, tracking, {
      status: c.status,
      events: [
        { status: "picked_up", occurred_at: "2026-01-08T10:00:00Z", description: "Picked up" },
        ...(c.status === "picked_up" ? [] : [{
          status: c.status,
          occurred_at: "2026-01-15T10:00:00Z",
          description: c.status === "delivered" ? "Delivered" : "On the way",
        }]),
      ],
      estimated_delivery: c.estimate,
      last_refreshed_at: now.toISOString(),
      ...(c.overdue ? { overdue: true } : {}),
      ...(c.delivery ? { delivery: c.delivery } : {}),
    });
  }
}

const unescape = (s: string) =>
  s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">");

Deno.test("dashboard row, card, order page and tracking API agree on lateness, in en, es, pl", async () => {
  const p = await startPortal({ listen: true, setup: seed });
  try {
    const dash = await p.linkFor("CUST-LATE");
    const token = decodeURIComponent(dash.split("/")[2]);
    for (const [lang, words] of Object.entries(LANGS)) {
      const res = await p.fetch(`${dash}?lang=${lang}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      const rows = [...html.matchAll(/<tr aria-label="([^"]+)"/g)].map((m) => unescape(m[1]));
      const cards = [...html.matchAll(/<li class="(shipment[^"]*)">(.*?)<\/li>/gs)];
      for (const c of CASES) {
        const where = `${c.order} ${lang}`;
        const row = rows.find((r) => r.includes(c.order));
        assert(row, where);
        assert.equal(row.endsWith(`, ${words.label}`), c.late, `row ${where}: ${row}`);
        // Cards show shipped orders' parcels on their way (not the delivered or cancelled).
        const card = cards.find((m) => m[2].includes(c.order));
        if (card) {
          assert.equal(card[1] === "shipment shipment--late", c.late, `card ${where}`);
          assert.equal(card[2].includes(`badge--late">${words.badge}<`), c.late, `card ${where}`);
        } else assert(c.status === "delivered" || c.orderStatus === "cancelled", `card ${where}`);

        const page = await p.fetch(`${dash}/orders/${c.order}?lang=${lang}`);
        assert.equal(page.status, 200);
        const body = await page.text();
        const line = unescape(body.match(/<h2 id="glance-line"[^>]*>([^<]*)</)?.[1] ?? "");
        assert.equal(line.startsWith(words.badge), c.late, `status line ${where}: ${line}`);
        assert.equal(/class="late-text"/.test(body), c.late, `tracking block ${where}`);

        const api = await p.fetch(
          `/api/portal/customer/${encodeURIComponent(token)}/orders/${c.order}/tracking`,
        );
        assert.equal(api.status, 200);
        const json = await api.json();
        assert.equal(json.shipments[0].overdue, c.late, `tracking API ${where}`);
      }
      // Exactly the late ones are late on the cards (the four late, the on-time one).
      assert.equal(cards.filter((m) => m[1] === "shipment shipment--late").length, 4, lang);
    }
  } finally {
    await p.close();
  }
});
