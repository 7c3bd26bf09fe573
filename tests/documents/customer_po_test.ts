/**
 * The customer's PO number (`customer_po`) on the documents: printed on the order
 * confirmation, packing slip and invoice (a 35-character one under its label, not over it),
 * and a new PO sent by the ERP gives new bytes and a new ETag for every document and the ZIP.
 */
import assert from "node:assert/strict";
import JSZip from "jszip";
import { renderDocument } from "@/lib/documents/pdf.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { customer, order, org, pdfText, wireframeLines } from "@/tests/documents/order_helpers.ts";
import { startDocumentsServer } from "@/tests/documents/server_helpers.ts";

Deno.test("the PO number is on all three documents, in each language", async () => {
  const labels = { en: "Your PO number", es: "Su orden de compra", pl: "Nr zamówienia klienta" };
  for (const locale of ["en", "es", "pl"] as const) {
    for (const id of ["order-confirmation", "packing-slip", "invoice"] as const) {
      const bytes = await renderDocument(id, {
        order: order({ customer_po: "PO-4471" }),
        org,
        customer: customer(locale),
        locale,
      });
      const text = await pdfText(bytes);
      assert.match(text, new RegExp(`${labels[locale]}\\s+PO-4471`), `${id} ${locale}`);
    }
  }
  // Without a PO there is no empty row.
  const none = await pdfText(
    await renderDocument("invoice", { order: order(), org, customer: customer(), locale: "en" }),
  );
  assert.doesNotMatch(none, /Your PO number/);
});

Deno.test("a 35-character PO fits the facts column: its own line, whole", async () => {
  const po = "RS-PO-2026-000117-ALPHA-BRAVO-12345";
  assert.deepEqual(po.length, 35);
  const text = await pdfText(
    await renderDocument("invoice", {
      order: order({ customer_po: po }),
      org,
      customer: customer("pl"),
      locale: "pl",
    }),
  );
  assert.match(text, /Nr zamówienia klienta/);
  assert.match(text, new RegExp(po));
  assert.doesNotMatch(text, new RegExp(`Nr zamówienia klienta\\s+${po}`), "value moved under");
});

Deno.test("a new PO from the ERP changes every document's bytes and ETag, ZIP included", async () => {
  const s = await startDocumentsServer();
  try {
    const base = `/api/portal/customer/${s.tokens.retail}/orders/ORD-008456/documents/`;
    const get = async (doc: string) => {
      const res = await s.fetch(base + doc);
      assert.deepEqual(res.status, 200, doc);
      return { etag: res.headers.get("etag"), bytes: new Uint8Array(await res.arrayBuffer()) };
    };
    const docs = ["order-confirmation", "packing-slip", "invoice", "all"];
    const put = async (po: string) => {
      s.clock.advance(1000);
      await upsertOrder(s.services.kv, "acme", "ORD-008456", {
        customer_ref: "CUST-RS-2026-045",
        order_date: "2026-01-14",
        delivery_date: "2026-01-18",
        status: "shipped",
        currency: "USD",
        delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
        lines: wireframeLines.map(({ line_total: _t, ...l }) => l),
        tax: "0.00",
        invoice_number: "INV-2026-00456",
        customer_po: po,
      }, s.clock.now());
    };
    await put("PO-4471");
    const before = await Promise.all(docs.map(get));
    await put("PO-4472");
    const after = await Promise.all(docs.map(get));
    for (const [i, doc] of docs.entries()) {
      assert.notDeepEqual(after[i].etag, before[i].etag, `${doc} ETag`);
      assert.notDeepEqual(after[i].bytes, before[i].bytes, `${doc} bytes`);
    }
    assert.match(await pdfText(after[2].bytes), /PO-4472/);
    const zip = await JSZip.loadAsync(after[3].bytes);
    const invoice = await zip.file("ORD-008456-invoice.pdf")!.async("uint8array");
    assert.match(await pdfText(invoice), /PO-4472/);
    // Unchanged order: the same ETag, so a browser's copy is still good (304).
    const again = await s.fetch(base + "invoice", {
      headers: { "if-none-match": after[2].etag! },
    });
    assert.deepEqual(again.status, 304);
    await again.body?.cancel();
  } finally {
    await s.close();
  }
});
