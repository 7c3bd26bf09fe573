/** Islands hydrate and react in real headless Chromium, under the strict CSP. */
import manifest from "@/tests/fixtures/app/fresh.gen.ts";
import type { Manifest } from "@/lib/framework/types.ts";
import { stopBundler } from "@/lib/framework/bundle.ts";
import { assert, assertEquals } from "@/tests/helpers/assert.ts";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { startTestServer } from "@/tests/helpers/server.ts";

Deno.test({
  name: "an island hydrates and reacts to a click; CSP reports no violation",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const srv = await startTestServer({ manifest: manifest as unknown as Manifest });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(`${srv.url}/counter`);
      const button = page.getByRole("button", { name: /Count/ });
      assertEquals(await button.textContent(), "Count 3");
      await page.waitForSelector("mp-island[data-hydrated]");
      await button.click();
      await button.click();
      assertEquals(await button.textContent(), "Count 5");
      assertEquals(problems, [], "no console errors (a CSP block would show here)");

      // A plain page loads no script at all.
      const scripts: string[] = [];
      page.on("request", (r) => {
        if (r.resourceType() === "script") scripts.push(r.url());
      });
      await page.goto(`${srv.url}/`);
      assertEquals(scripts, []);
      assert((await page.locator("script").count()) === 0);
    } finally {
      await browser.close();
      await srv.close();
      await stopBundler();
    }
  },
});
