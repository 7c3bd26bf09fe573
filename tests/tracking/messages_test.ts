/** Tracking strings: same keys in en/es/pl, and the status email in each language. */
import { keyParityProblems } from "@/lib/i18n/messages.ts";
import type { Customer, Locale, Org, Shipment } from "@/lib/orders/model.ts";
import { trackingMessages } from "@/lib/tracking/messages.ts";
import { legacyStatusEmailKey, renderStatusEmail, statusEmailKey } from "@/lib/tracking/notify.ts";
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
  // One key per org, customer, order, number and status (two orders can share a number).
  assert.deepEqual(
    statusEmailKey({
      org: "acme",
      customer_ref: "C1",
      order_number: "ORD-008456",
      tracking_number: "149331877648230",
    }, "delivered"),
    "shipment-status:acme:C1:ORD-008456:149331877648230:delivered",
  );
  assert.deepEqual(
    legacyStatusEmailKey("acme", "149331877648230", "delivered"),
    "shipment-status:acme:149331877648230:delivered",
  );
});

const delivered: Shipment = {
  ...shipment,
  status: "delivered",
  events: [{
    status: "delivered",
    occurred_at: "2026-01-17T11:42:00-05:00",
    description: "Delivered",
  }],
  delivery: {
    received_by: "D.HERRERA",
    signed_by: "D.HERRERA",
    left_at: "reception",
    left_at_text: "Receptionist/Front Desk",
    proof_of_delivery: {
      available: true,
      kind: "signature",
      document: "fedex_signature_proof_of_delivery",
    },
  },
};

Deno.test("delivered email: who signed, where it was left, proof of delivery, in en/es/pl", () => {
  const expect: Record<Locale, string[]> = {
    en: [
      "It was delivered on Jan 17, 2026.",
      "Signed for by: D.HERRERA.",
      "It was left at reception.",
      "The carrier holds a signed proof of delivery",
    ],
    es: ["Firmado por: D.HERRERA.", "Se dejó en recepción.", "prueba de entrega firmada"],
    pl: [
      "Podpis przy odbiorze: D.HERRERA.",
      "Zostawiono ją w recepcji.",
      "potwierdzenie doręczenia z podpisem",
    ],
  };
  for (const locale of ["en", "es", "pl"] as const) {
    const m = renderStatusEmail({ org, customer: customer(locale), shipment: delivered });
    for (const line of expect[locale]) {
      assert.ok(m.text.includes(line), `${locale}: missing ${line}`);
      assert.ok(m.html.includes(line), `${locale} html: missing ${line}`);
    }
    // The same person is named once.
    assert.deepEqual(m.text.split("D.HERRERA").length, 2, locale);
    assert(!/\{\w+\}/.test(m.text), `unfilled placeholder in ${locale}`);
  }
  // Someone else took it; a place only the carrier's words name; no proof of delivery.
  const other = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: {
      ...delivered,
      delivery: {
        received_by: "J SMITH",
        left_at_text: "Behind the blue gate.",
        proof_of_delivery: { available: false },
      },
    },
  });
  assert.match(other.text, /Received by: J SMITH\./);
  assert.match(other.text, /as the carrier reports it: “Behind the blue gate”\./);
  assert.match(other.text, /no proof of delivery/);
  assert(!/Signed for by/.test(other.text));
  // Carrier text is one line and escaped in the HTML part.
  const hostile = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: {
      ...delivered,
      delivery: { received_by: "<b>X</b>\nBcc: evil@example.com", left_at_text: "porch\u202e" },
    },
  });
  assert.match(hostile.text, /Received by: <b>X<\/b> Bcc: evil@example.com\./);
  assert(!hostile.html.includes("<b>X</b>"));
  assert(!hostile.text.includes("\u202e"));
});

Deno.test("exception email: the carrier's reason and revised estimate, in en/es/pl", () => {
  const exception: Shipment = {
    ...shipment,
    status: "exception",
    estimated_delivery: "2026-01-18",
    events: [{
      status: "exception",
      occurred_at: "2026-01-17T15:10:00-05:00",
      description: "Delivery exception: Customer not available or business closed",
    }],
    delivery: {
      delay_reason: "Customer not available or business closed.",
      revised_estimate: "2026-01-20",
      attempts: 1,
    },
  };
  const expect: Record<Locale, string[]> = {
    en: [
      "The carrier reported a problem: “Customer not available or business closed”. We are",
      "New estimated delivery: Jan 20, 2026.",
    ],
    es: [
      "ha informado de un problema: «Customer not available or business closed». Lo",
      "Nueva fecha estimada de entrega: 20 ene 2026.",
    ],
    pl: [
      "Przewoźnik zgłosił problem: „Customer not available or business closed”. Zajmujemy",
      "Nowy przewidywany termin dostawy: 20 sty 2026.",
    ],
  };
  for (const locale of ["en", "es", "pl"] as const) {
    const m = renderStatusEmail({ org, customer: customer(locale), shipment: exception });
    for (const line of expect[locale]) assert.ok(m.text.includes(line), `${locale}: ${line}`);
    // The revised estimate replaces the old one.
    assert(!/Jan 18|18 ene|18 sty/.test(m.text), `${locale}: old estimate shown`);
  }
  // Without the carrier's reason: the event's words; without either, a plain sentence.
  const noReason = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: { ...exception, delivery: undefined },
  });
  assert.match(noReason.text, /problem: “Delivery exception: Customer not available/);
  assert.match(noReason.text, /Estimated delivery: Jan 18, 2026\./);
  const bare = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: { ...exception, delivery: undefined, events: [] },
  });
  assert.match(bare.text, /reported a problem with the delivery\./);
  // A delay while still moving is said too.
  const late = renderStatusEmail({
    org,
    customer: customer("en"),
    shipment: {
      ...shipment,
      status: "in_transit",
      delivery: { delay_reason: "Weather delay", revised_estimate: "2026-01-21" },
    },
  });
  assert.match(late.text, /reports a delay: “Weather delay”\./);
  assert.match(late.text, /New estimated delivery: Jan 21, 2026\./);
});
