/** Islands hydrate and react in real headless Chromium, under the strict CSP. */
import { stopBundler } from "fresh/dev";
import { portalEdge } from "@/lib/http/edge.ts";
import { fixtureHandler } from "./fixture_helpers.ts";
import assert from "node:assert/strict";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { startTestServer } from "@/tests/helpers/server.ts";

Deno.test({
  name: "an island hydrates and reacts to a click; CSP reports no violation",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // The fixture under the portal's strict, nonce-based CSP.
    const srv = await startTestServer({
      app: async (s) => portalEdge(await fixtureHandler(), s.config),
      listen: true,
    });
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
      assert.deepEqual(await button.textContent(), "Count 3");
      await page.waitForSelector("mp-island[data-hydrated]");
      await button.click();
      await button.click();
      assert.deepEqual(await button.textContent(), "Count 5");
      assert.deepEqual(problems, [], "no console errors (a CSP block would show here)");

      // A plain page loads no script at all.
      const scripts: string[] = [];
      page.on("request", (r) => {
        if (r.resourceType() === "script") scripts.push(r.url());
      });
      await page.goto(`${srv.url}/`);
      assert.deepEqual(scripts, []);
      assert((await page.locator("script").count()) === 0);
    } finally {
      await browser.close();
      await srv.close();
      await stopBundler();
    }
  },
});
