/** The ZIP, ETags, file names and ERP-pushed files, against a real `:memory:` KV. */
import JSZip from "jszip";
import { PDFDocument } from "pdf-lib";
import {
  documentETag,
  downloadFileName,
  etagMatches,
  prepareDownload,
} from "@/lib/documents/download.ts";
import { documentLinks } from "@/lib/documents/links.ts";
import {
  BlobTooLargeError,
  deleteStoredDocument,
  getStoredDocuments,
  MAX_UPLOAD_BYTES,
  NotAPdfError,
  putStoredDocument,
} from "@/lib/documents/stored.ts";
import assert from "node:assert/strict";
import { TestClock } from "@/tests/helpers/server.ts";
import { customer, order, org, pdfText } from "@/tests/documents/order_helpers.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";

const NAMES = [
  "ORD-008456-order-confirmation.pdf",
  "ORD-008456-packing-slip.pdf",
  "ORD-008456-invoice.pdf",
];

async function withKv(fn: (s: { kv: Deno.Kv; clock: TestClock }) => Promise<void>) {
  using services = await makeTestServices();
  await fn(services);
}

async function body(download: { body(): Promise<BodyInit> }): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await download.body()).arrayBuffer());
}

const input = () => ({ order: order(), org, customer: customer("en"), locale: "en" as const });

/** A tiny but valid PDF standing in for the ERP's file. */
async function erpPdf(text: string, padTo = 0): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage();
  page.drawText(text, { x: 50, y: 700 });
  const bytes = await doc.save();
  if (padTo <= bytes.length) return bytes;
  // Trailing bytes after %%EOF are ignored by readers; they make a big file cheaply.
  const big = new Uint8Array(padTo);
  big.set(bytes);
  return big;
}

function streamOf(bytes: Uint8Array, piece = 7000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

Deno.test("ZIP: the three PDFs under clear names, each a valid PDF, deterministic", async () => {
  await withKv(async (services) => {
    const a = await body(await prepareDownload(services, input(), "all"));
    const b = await body(await prepareDownload(services, input(), "all"));
    assert.deepEqual(a, b, "same order → same ZIP bytes");
    const zip = await JSZip.loadAsync(a);
    assert.deepEqual(Object.keys(zip.files), NAMES);
    for (const name of NAMES) {
      const file = zip.file(name)!;
      assert.deepEqual(file.date.toISOString(), "2026-01-15T10:30:00.000Z");
      const pdf = await file.async("uint8array");
      assert.deepEqual(new TextDecoder().decode(pdf.slice(0, 5)), "%PDF-");
      const doc = await PDFDocument.load(pdf);
      assert.deepEqual(doc.getPageCount(), 1);
    }
  });
});

Deno.test("file names are safe; links point at the route", () => {
  assert.deepEqual(downloadFileName("ORD-008456", "invoice"), "ORD-008456-invoice.pdf");
  assert.deepEqual(downloadFileName("ORD-008456", "all"), "ORD-008456-documents.zip");
  assert.deepEqual(downloadFileName('../a"b\r\nc', "invoice"), "a_b_c-invoice.pdf");
  const links = documentLinks("tok/en", "ORD-008456", "INV-2026-00456");
  assert.deepEqual(links.map((l) => l.id), [
    "order-confirmation",
    "packing-slip",
    "invoice",
    "all",
  ]);
  assert.deepEqual(
    links[2].href,
    "/api/portal/customer/tok%2Fen/orders/ORD-008456/documents/invoice",
  );
  assert.deepEqual(links[2].labelParams, { invoice: "INV-2026-00456" });
  assert.deepEqual(links[3].filename, "ORD-008456-documents.zip");
});

Deno.test("ETag: stable, and changes with order, locale, document and printed customer data", async () => {
  const base = await documentETag(input(), "invoice", {});
  assert.deepEqual(await documentETag(input(), "invoice", {}), base);
  assert(/^"[0-9a-f]{40}"$/.test(base), base);
  const variants = [
    documentETag({ ...input(), locale: "pl" }, "invoice", {}),
    documentETag(input(), "packing-slip", {}),
    documentETag(input(), "all", {}),
    documentETag(
      { ...input(), order: order({ updated_at: "2026-01-16T00:00:00Z" }) },
      "invoice",
      {},
    ),
    documentETag({ ...input(), customer: customer("en", { name: "Other" }) }, "invoice", {}),
    documentETag(input(), "invoice", {
      invoice: { blob_id: "x", size: 1, sha256: "ab", uploaded_at: "" },
    }),
  ];
  for (const v of await Promise.all(variants)) assert.notDeepEqual(v, base);
  assert(etagMatches(base, base));
  assert(etagMatches(`"nope", W/${base}`, base));
  assert(etagMatches("*", base));
  assert(!etagMatches(null, base));
  assert(!etagMatches('"other"', base));
});

Deno.test("ERP-pushed PDF is served instead of the generated one, and in the ZIP", async () => {
  await withKv(async (services) => {
    const before = await prepareDownload(services, input(), "invoice");
    const pushed = await erpPdf("ERP INVOICE 4711");
    const { doc, replaced } = await putStoredDocument(
      services,
      "acme",
      "ORD-008456",
      "invoice",
      streamOf(pushed),
    );
    assert.deepEqual(replaced, false);
    assert.deepEqual(doc.size, pushed.length);
    const after = await prepareDownload(services, input(), "invoice");
    assert.notDeepEqual(after.etag, before.etag);
    assert.deepEqual(await body(after), pushed);
    const zip = await JSZip.loadAsync(await body(await prepareDownload(services, input(), "all")));
    assert.deepEqual(await zip.file("ORD-008456-invoice.pdf")!.async("uint8array"), pushed);
    assert((await pdfText(await zip.file("ORD-008456-packing-slip.pdf")!.async("uint8array")))
      .includes("Packing Slip"));

    // Replacing keeps one file; deleting goes back to the generated document.
    const second = await erpPdf("ERP INVOICE v2");
    const r2 = await putStoredDocument(services, "acme", "ORD-008456", "invoice", streamOf(second));
    assert.deepEqual(r2.replaced, true);
    assert.deepEqual(await body(await prepareDownload(services, input(), "invoice")), second);
    let blobs = 0;
    for await (const _ of services.kv.list({ prefix: ["blob"] })) blobs++;
    assert.deepEqual(blobs, 1, "the replaced file's blob is gone");
    assert(await deleteStoredDocument(services, "acme", "ORD-008456", "invoice"));
    assert(!await deleteStoredDocument(services, "acme", "ORD-008456", "invoice"));
    const generated = await prepareDownload(services, input(), "invoice");
    assert.deepEqual(generated.etag, before.etag);
    assert((await pdfText(await body(generated))).includes("INV-2026-00456"));
    let chunks = 0;
    for await (const _ of services.kv.list({ prefix: ["blob_chunk"] })) chunks++;
    assert.deepEqual(chunks, 0);
  });
});

Deno.test("ERP push: not a PDF and over 10 MB are refused while reading, nothing stored", async () => {
  await withKv(async (services) => {
    const notPdf = new TextEncoder().encode("<html>not a pdf</html>".repeat(100));
    await assert.rejects(
      () => putStoredDocument(services, "acme", "ORD-1", "invoice", streamOf(notPdf)),
      NotAPdfError,
    );
    await assert.rejects(
      () => putStoredDocument(services, "acme", "ORD-1", "invoice", streamOf(new Uint8Array(3))),
      NotAPdfError,
    );
    const big = await erpPdf("big", MAX_UPLOAD_BYTES + 1);
    await assert.rejects(
      () => putStoredDocument(services, "acme", "ORD-1", "invoice", streamOf(big, 64 * 1024)),
      BlobTooLargeError,
    );
    const exact = await erpPdf("exactly 10 MB", MAX_UPLOAD_BYTES);
    await putStoredDocument(services, "acme", "ORD-1", "packing-slip", streamOf(exact, 64 * 1024));
    const stored = await getStoredDocuments(services.kv, "acme", "ORD-1");
    assert.deepEqual(Object.keys(stored), ["packing-slip"]);
    assert.deepEqual(stored["packing-slip"]!.size, MAX_UPLOAD_BYTES);
    let chunks = 0;
    for await (const e of services.kv.list<Uint8Array>({ prefix: ["blob_chunk"] })) {
      chunks++;
      assert(e.value.byteLength < 64 * 1024, "each chunk under the KV value limit");
    }
    assert.deepEqual(
      chunks,
      Math.ceil(MAX_UPLOAD_BYTES / (60 * 1024)),
      "only the good file's chunks",
    );
  });
});
