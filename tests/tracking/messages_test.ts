/** Tracking strings: same keys in en/es/pl, and the status email in each language. */
import { keyParityProblems } from "@/lib/i18n/messages.ts";
import type { Customer, Locale, Org, Shipment } from "@/lib/orders/model.ts";
import { trackingMessages } from "@/lib/tracking/messages.ts";
import { renderStatusEmail, statusEmailKey } from "@/lib/tracking/notify.ts";
import assert from "node:assert/strict";

const org: Org = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.example",
  support_phone: "(555) 123-4567",
  created_at: "2026-01-01T00:00:00Z",
};
const customer = (locale: Locale): Customer => ({
  org: "acme",
  ref: "C1",
  name: "Retail <Store> Co.",
  email: "ops@retail.example",
  locale,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});
const shipment: Shipment = {
  org: "acme",
  order_number: "ORD-008456",
  tracking_number: "149331877648230",
  carrier: "fedex",
  shipped_at: "2026-01-15T10:30:00-06:00",
  estimated_delivery: "2026-01-18",
  status: "out_for_delivery",
  events: [{
    status: "out_for_delivery",
    occurred_at: "2026-01-17T07:55:00-05:00",
    description: "On FedEx vehicle for delivery",
  }],
};

Deno.test("tracking catalogue: en, es and pl have the same keys", () => {
  assert.deepEqual(keyParityProblems(trackingMessages.catalogue), []);
});

Deno.test("status email in three languages: order, status, estimate, link, opt-out; escaped", () => {
  const expect: Record<Locale, [string, string]> = {
    en: ["Order ORD-008456: Out for delivery", "Estimated delivery"],
    es: ["Pedido ORD-008456: En reparto", "Entrega estimada"],
    pl: ["Zamówienie ORD-008456: W doręczeniu", "Przewidywana dostawa"],
  };
  for (const locale of ["en", "es", "pl"] as const) {
    const url = "https://portal.example/customer/tok/orders/ORD-008456";
    const m = renderStatusEmail({ org, customer: customer(locale), shipment, orderUrl: url });
    assert.deepEqual(m.subject, expect[locale][0]);
    assert.ok(m.text.includes(expect[locale][1]), `missing ${expect[locale][1]}`);
    assert.match(m.text, /149331877648230/);
    assert.ok(m.text.includes(url), `missing ${url}`);
    assert.ok(m.html.includes(`lang="${locale}"`), `missing ${`lang="${locale}"`}`);
    assert.match(m.html, /Retail &lt;Store&gt; Co\./);
    assert(!/\{\w+\}/.test(m.text), `unfilled placeholder in ${locale}`);
  }
  // Without a link the email says where to look instead.
  const noLink = renderStatusEmail({ org, customer: customer("en"), shipment, orderUrl: null });
  assert.match(noLink.text, /Open your portal link/);
  const delivered = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: { ...shipment, status: "delivered" },
  });
  assert.match(delivered.text, /It was delivered on Jan 17, 2026/);
  assert.deepEqual(
    statusEmailKey("acme", "149331877648230", "delivered"),
    "shipment-status:acme:149331877648230:delivered",
  );
});
