/** Islands hydrate and react in real headless Chromium, under the strict CSP. */
import { stopBundler } from "fresh/dev";
import { portalEdge } from "@/lib/http/edge.ts";
import { fixtureHandler } from "./fixture_helpers.ts";
import assert from "node:assert/strict";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { startTestServer } from "@/tests/helpers/server.ts";

Deno.test({
  name: "an island hydrates and reacts to a click, a lazy one on its first click; no CSP violation",
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

      // Hydrate on interaction: only the runtime at load; the first click, held while the
      // island's code arrives (its entry is slowed here), counts exactly once.
      let release!: () => void;
      const slow = new Promise<void>((r) => release = r);
      await page.route("**/_fresh/js/LazyCounter-*.js", async (route) => {
        await slow;
        await route.continue();
      });
      await page.goto(`${srv.url}/lazy`);
      await page.waitForLoadState("networkidle");
      assert.deepEqual(scripts.map((u) => new URL(u).pathname.replace(/-[A-Z0-9]+\.js$/, "")), [
        "/_fresh/js/mp-runtime",
      ]);
      const later = page.getByRole("button", { name: /Later/ });
      assert.deepEqual(await page.locator("mp-island[data-hydrated]").count(), 0);
      await later.click();
      assert.deepEqual(await later.textContent(), "Later 1", "nothing happens before the code");
      release();
      await page.waitForSelector('mp-island[data-island="LazyCounter"][data-hydrated]');
      await page.waitForFunction(() => document.querySelector("button")?.textContent !== "Later 1");
      assert.deepEqual(await later.textContent(), "Later 2", "the held click, once");
      await later.click();
      assert.deepEqual(await later.textContent(), "Later 3");
      assert.deepEqual(problems, [], "no console errors (a CSP block would show here)");
    } finally {
      await browser.close();
      await srv.close();
      await stopBundler();
    }
  },
});
