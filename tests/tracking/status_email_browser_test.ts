/**
 * The "delivered" and "exception" status emails as a customer's mail client shows them, in
 * en, es and pl at 390 px and 1280 px: every delivery fact is on screen, nothing runs off the
 * side. Screenshots go to test-artifacts/status-email-*.png.
 */
import type { Customer, Locale, Org, Shipment } from "@/lib/orders/model.ts";
import { renderStatusEmail } from "@/lib/tracking/notify.ts";
import assert from "node:assert/strict";
import { artifactPath, launchBrowser } from "@/tests/helpers/browser.ts";

const org: Org = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.example",
  support_phone: "(555) 123-4567",
  created_at: "2026-01-01T00:00:00Z",
};

const customer = (locale: Locale): Customer => ({
  org: "acme",
  ref: "CUST-RS-2026-045",
  name: "Retail Store Co.",
  email: "ops@retailstore.example",
  locale,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

/** The delivery facts of the published samples (FedEx Ground, UPS front door / missed). */
const SHIPMENTS: Record<"delivered" | "exception", Shipment> = {
  delivered: {
    org: "acme",
    order_number: "ORD-008456",
    tracking_number: "738488882438",
    carrier: "fedex",
    carrier_name: "FedEx Ground",
    shipped_at: "2024-08-15T09:00:00-05:00",
    status: "delivered",
    events: [{
      status: "delivered",
      occurred_at: "2024-08-20T12:41:57-04:00",
      description: "Delivered",
    }],
    delivery: {
      received_by: "CREILLY",
      signed_by: "C REILLY",
      left_at: "front_door",
      left_at_text: "Front Door",
      proof_of_delivery: {
        available: true,
        kind: "signature",
        document: "fedex_signature_proof_of_delivery",
      },
    },
  },
  exception: {
    org: "acme",
    order_number: "ORD-008457",
    tracking_number: "1Z204W4R0308071865",
    carrier: "ups",
    shipped_at: "2026-01-15T10:30:00-05:00",
    estimated_delivery: "2026-01-20",
    status: "exception",
    events: [{
      status: "exception",
      occurred_at: "2026-01-17T14:23:00-05:00",
      description: "The receiver was not available for delivery.",
    }],
    delivery: {
      delay_reason:
        "The receiver was not available for delivery. We'll make a second attempt the next business day.",
      revised_estimate: "2026-01-20",
    },
  },
};

const EXPECT: Record<"delivered" | "exception", Record<Locale, string[]>> = {
  delivered: {
    en: ["Signed for by: C REILLY.", "Received by: CREILLY.", "front door", "signed proof"],
    es: ["Firmado por: C REILLY.", "Recibido por: CREILLY.", "puerta principal", "firmada"],
    pl: ["Podpis przy odbiorze: C REILLY.", "Osoba odbierająca: CREILLY.", "drzwiach", "podpisem"],
  },
  exception: {
    en: ["not available for delivery", "New estimated delivery: Jan 20, 2026."],
    es: ["not available for delivery", "Nueva fecha estimada de entrega: 20 ene 2026."],
    pl: ["not available for delivery", "Nowy przewidywany termin dostawy: 20 sty 2026."],
  },
};

Deno.test("status emails in a browser: delivery facts visible, no sideways scroll, en/es/pl", async () => {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  try {
    for (const kind of ["delivered", "exception"] as const) {
      for (const locale of ["en", "es", "pl"] as const) {
        const { html } = renderStatusEmail({
          org,
          customer: customer(locale),
          shipment: SHIPMENTS[kind],
          orderUrl: "https://portal.example/customer/mpl_x/orders/ORD-008456",
        });
        for (const width of [390, 1280]) {
          await page.setViewportSize({ width, height: 900 });
          await page.setContent(html);
          const text = await page.innerText("body");
          for (const line of EXPECT[kind][locale]) {
            assert.ok(text.includes(line), `${kind} ${locale} ${width}: missing ${line}`);
          }
          const overflow = await page.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.deepEqual(overflow, 0, `${kind} ${locale} ${width}: scrolls sideways`);
          await page.screenshot({
            path: await artifactPath(`status-email-${kind}-${locale}-${width}.png`),
            fullPage: true,
          });
        }
      }
    }
  } finally {
    await browser.close();
  }
});
