/**
 * Cancelled means cancelled in the documents (issue 12): the invoice PDF says so (stamp and
 * note, in the customer's language) alone and in the ZIP, there is no packing slip (download
 * or ZIP entry), and the cancelled state is part of the ETag, so a cached copy of the same
 * order before it was cancelled is never served for it. Units are named in the document's
 * language. Text read back with pdftotext.
 */
import JSZip from "jszip";
import assert from "node:assert/strict";
import { documentETag, prepareDownload } from "@/lib/documents/download.ts";
import { documentLinks } from "@/lib/documents/links.ts";
import { NotFoundError } from "@/lib/errors.ts";
import type { Locale } from "@/lib/orders/model.ts";
import { customer, order, org, pdfText } from "@/tests/documents/order_helpers.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";

const cancelled = (locale: Locale = "en") => ({
  order: order({ status: "cancelled", cancelled_at: "2026-01-03T09:00:00Z" }),
  org,
  customer: customer(locale),
  locale,
});

async function bytesOf(download: { body(): Promise<BodyInit> }): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await download.body()).arrayBuffer());
}

Deno.test("cancelled invoice: stamped and 'nothing is due' in en, es, pl; no delivery date", async () => {
  using services = await makeTestServices();
  const words = {
    en: [/CANCELLED/, /nothing is due/, /Cancelled on\s+Jan 3, 2026/],
    es: [/ANULADA/, /no hay nada que pagar/, /Cancelado el/],
    pl: [/ANULOWANA/, /nie ma nic do zapłaty/, /Data anulowania/],
  } as const;
  for (const locale of ["en", "es", "pl"] as const) {
    const text = await pdfText(
      await bytesOf(
        await prepareDownload(services, cancelled(locale), "invoice"),
      ),
    );
    for (const w of words[locale]) assert.match(text, w, `${locale}: ${text}`);
    assert(!/Expected delivery|Entrega prevista|Oczekiwana dostawa/.test(text), locale);
  }
  // A live order's invoice has none of it.
  const live = await pdfText(
    await bytesOf(
      await prepareDownload(services, { ...cancelled(), order: order() }, "invoice"),
    ),
  );
  assert(!/CANCELLED|nothing is due/.test(live));
  assert.match(live, /Expected delivery/);
});

Deno.test("cancelled order: no packing slip (links, download, ZIP); the ZIP's invoice is stamped", async () => {
  using services = await makeTestServices();
  const ids = documentLinks("t", "ORD-008456", "INV-1", "cancelled").map((l) => l.id);
  assert.deepEqual(ids, ["order-confirmation", "invoice", "all"]);
  await assert.rejects(prepareDownload(services, cancelled(), "packing-slip"), NotFoundError);
  const zip = await JSZip.loadAsync(
    await bytesOf(await prepareDownload(services, cancelled(), "all")),
  );
  assert.deepEqual(Object.keys(zip.files), [
    "ORD-008456-order-confirmation.pdf",
    "ORD-008456-invoice.pdf",
  ]);
  const invoice = await pdfText(await zip.file("ORD-008456-invoice.pdf")!.async("uint8array"));
  assert.match(invoice, /CANCELLED/);
});

Deno.test("ETag: the same order version cancelled has another ETag (invoice and ZIP)", () => {
  const live = { ...cancelled(), order: order() };
  for (const id of ["invoice", "all", "order-confirmation"] as const) {
    assert.notDeepEqual(documentETag(cancelled(), id, {}), documentETag(live, id, {}), id);
  }
});

Deno.test("units in the document's language and plural; other units as sent", async () => {
  using services = await makeTestServices();
  const en = await pdfText(
    await bytesOf(
      await prepareDownload(services, { ...cancelled(), order: order() }, "order-confirmation"),
    ),
  );
  assert.match(en, /200 boxes/);
  assert.match(en, /150 bags/);
  const pl = await pdfText(
    await bytesOf(
      await prepareDownload(services, { ...cancelled("pl"), order: order() }, "order-confirmation"),
    ),
  );
  assert.match(pl, /200 pudełek/);
  assert.match(pl, /150 worków/);
});
