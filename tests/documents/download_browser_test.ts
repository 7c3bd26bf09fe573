/**
 * The order detail page's [Download] and [Download All Documents] in headless Chromium:
 * plain links, so they work with JavaScript off; the browser receives the files.
 */
import JSZip from "jszip";
import type { Browser, Download, Page } from "playwright-core";
import { stopBundler } from "fresh/dev";
import assert from "node:assert/strict";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { startDocumentsServer } from "@/tests/documents/server_helpers.ts";
import { pdfText } from "@/tests/documents/order_helpers.ts";

async function received(page: Page, click: () => Promise<void>): Promise<{
  download: Download;
  bytes: Uint8Array;
}> {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = await download.path();
  assert(path, `download failed: ${await download.failure()}`);
  return { download, bytes: await Deno.readFile(path) };
}

for (const javaScriptEnabled of [false, true]) {
  Deno.test({
    name: `detail page: [Download] and [Download All Documents] deliver the files (JS ${
      javaScriptEnabled ? "on" : "off"
    })`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const srv = await startDocumentsServer({}, { listen: true });
      let browser: Browser | undefined;
      try {
        browser = await launchBrowser();
        const context = await browser.newContext({ acceptDownloads: true, javaScriptEnabled });
        const page = await context.newPage();
        const res = await page.goto(
          `${srv.url}/customer/${srv.tokens.retail}/orders/ORD-008456?lang=pl`,
        );
        assert.deepEqual(res?.status(), 200);

        // The invoice row's [Download] (its accessible name includes the document's label).
        const invoiceLink = page.getByRole("link", { name: /Faktura nr INV-2026-00456/ });
        const invoice = await received(page, () => invoiceLink.click());
        assert.deepEqual(invoice.download.suggestedFilename(), "ORD-008456-invoice.pdf");
        assert.deepEqual(new TextDecoder().decode(invoice.bytes.slice(0, 5)), "%PDF-");
        const text = await pdfText(invoice.bytes);
        assert(text.includes("Hurtownia Łódź Żółć Śląsk"), text);
        assert(text.includes("Faktura"), "in the language the page was shown in");

        const allLink = page.getByRole("link", { name: "Pobierz wszystkie dokumenty" });
        const all = await received(page, () => allLink.click());
        assert.deepEqual(all.download.suggestedFilename(), "ORD-008456-documents.zip");
        const zip = await JSZip.loadAsync(all.bytes);
        assert.deepEqual(Object.keys(zip.files), [
          "ORD-008456-order-confirmation.pdf",
          "ORD-008456-packing-slip.pdf",
          "ORD-008456-invoice.pdf",
        ]);
        await context.close();
      } finally {
        await browser?.close();
        await srv.close();
        await stopBundler();
      }
    },
  });
}
