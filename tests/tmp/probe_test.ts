import { stopBundler } from "fresh/dev";
import { Buffer } from "node:buffer";
import { artifactPath, launchBrowser } from "@/tests/helpers/browser.ts";
import { startPortal } from "@/tests/helpers/portal.ts";
import { auditLayout, describe } from "@/tests/helpers/layout.ts";
import { fileBytes, PNG_SIG } from "@/tests/issues/issue_helpers.ts";
Deno.test({
  name: "probe",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const portal = await startPortal({ listen: true });
    const b = await launchBrowser();
    for (const lang of ["en", "pl"]) {
      const ctx = await b.newContext({ viewport: { width: 390, height: 844 } });
      const page = await ctx.newPage();
      await page.goto(portal.url + portal.dashboard + "/orders/ORD-008456?lang=" + lang);
      await page.waitForSelector('mp-island[data-island="ReportIssue"][data-hydrated]');
      await page.locator("button[aria-haspopup=dialog]").click();
      const files = [1, 2, 3, 4, 5].map((i) => ({
        name: `photo-of-the-damaged-crate-${i}.png`,
        mimeType: "image/png",
        buffer: Buffer.from(fileBytes(PNG_SIG, 4000, i)),
      }));
      await page.locator("#ri-photos").setInputFiles(files);
      await page.locator(".ri-file").nth(4).waitFor();
      console.log(lang, describe(await auditLayout(page)));
      await page.screenshot({ path: await artifactPath(`probe-modal-${lang}.png`) });
      await ctx.close();
    }
    await b.close();
    await portal.close();
    await stopBundler();
  },
});
