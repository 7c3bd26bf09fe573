/**
 * The customer pages in real headless Chromium on the demo seed: the wireframes in three
 * languages, the filter, the keyboard path to an order, the timeline island (marks, refresh
 * with its loading skeleton), axe-core WCAG 2.1 A/AA scans, touch targets, no sideways
 * scrolling at 360 px, no layout shift, and screenshots at 1280 and 390 px in
 * test-artifacts/ (not committed).
 */
import type { Browser, Page } from "playwright-core";
import { stopBundler } from "fresh/dev";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";

const DETAIL = "/orders/ORD-008456";

/** Console errors and page errors (a CSP block or a hydration failure shows here). */
function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

async function noAxeViolations(page: Page, what: string) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe violations on ${what}`);
}

/** Visible controls smaller than 48 x 48 px (links inside running text are exempt). */
async function smallTargets(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("a, button, select, input")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue; // hidden (skip link off-screen is tiny but offset)
      if (el.classList.contains("skip-link")) continue;
      if (el.tagName === "A" && el.closest("p") && !el.classList.contains("btn")) continue;
      if (r.width < 48 || r.height < 48) {
        out.push(`${el.tagName} "${el.textContent?.trim()}" ${r.width}x${r.height}`);
      }
    }
    return out;
  });
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function horizontalOverflow(page: Page): Promise<number> {
  return await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
}

Deno.test({
  name: "customer pages in Chromium: wireframes, filter, keyboard, timeline, axe, mobile",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    let portal: Portal | undefined;
    let browser: Browser | undefined;
    try {
      portal = await startPortal({ listen: true });
      browser = await launchBrowser();
      const p = portal;
      const b = browser;
      const open = async (path: string, width = 1280, height = 900) => {
        const context = await b.newContext({ viewport: { width, height } });
        const page = await context.newPage();
        const errors = watchErrors(page);
        await page.goto(p.url + path);
        return { page, errors, close: () => context.close() };
      };

      await t.step(
        "dashboard (en) as the wireframe, axe-clean, no script, 48px targets",
        async () => {
          const scripts: string[] = [];
          const { page, errors, close } = await open(p.dashboard);
          page.on("request", (r) => {
            if (r.resourceType() === "script") scripts.push(r.url());
          });
          await page.reload();
          assert.deepEqual(
            await page.getByRole("heading", { level: 1 }).textContent(),
            "Welcome, Retail Store Co.",
          );
          const row = page.getByRole("row", {
            name:
              "Order ORD-008456, Placed Jan 14, 2026, 3 items, Total $8,450.00, Delivery expected Jan 18, 2026, Status: Shipped",
            exact: true,
          });
          assert.deepEqual(await row.count(), 1);
          assert.deepEqual(await page.getByRole("row").count(), 21); // header + 20 orders
          assert.deepEqual(scripts, []);
          assert.deepEqual(await smallTargets(page), []);
          await noAxeViolations(page, "dashboard en");
          await page.screenshot({
            path: await artifactPath("dashboard-1280-en.png"),
            fullPage: true,
          });
          assert.deepEqual(errors, []);
          await close();
        },
      );

      await t.step("filter without JavaScript: choose Delivered, Apply", async () => {
        const context = await b.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        await page.goto(p.url + p.dashboard);
        await page.getByLabel("Filter").selectOption("delivered");
        await page.getByRole("button", { name: "Apply" }).click();
        await page.waitForURL(/status=delivered/);
        const names = await page.locator("tbody tr").evaluateAll((rows) =>
          rows.map((r) => r.getAttribute("aria-label") ?? "")
        );
        assert.deepEqual(names.length, 20);
        assert(names.every((n) => n.endsWith("Status: Delivered")), names.join("\n"));
        assert.deepEqual(await page.getByLabel("Filter").inputValue(), "delivered");
        // Next page via the pager link, still filtered.
        await page.getByRole("link", { name: /Next page/ }).click();
        assert.deepEqual(await page.locator("tbody tr").count(), 3);
        await context.close();
      });

      await t.step("keyboard: Tab reaches the first [View], Enter opens the order", async () => {
        const { page, close } = await open(p.dashboard);
        let found = false;
        for (let i = 0; i < 30 && !found; i++) {
          await page.keyboard.press("Tab");
          const name = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement | null;
            return el ? `${el.tagName} ${el.textContent?.trim()}` : "";
          });
          found = name === "A View order ORD-008456";
        }
        assert(found, "Tab reaches View order ORD-008456");
        const visible = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          return getComputedStyle(el).outlineStyle !== "none";
        });
        assert(visible, "focus is visible");
        await page.keyboard.press("Enter");
        await page.waitForURL(/\/orders\/ORD-008456$/);
        assert.deepEqual(
          await page.getByRole("heading", { level: 1 }).textContent(),
          "Order Details: ORD-008456",
        );
        await close();
      });

      await t.step(
        "detail (en): timeline island marks in order, refresh shows the skeleton",
        async () => {
          const scripts: Array<Promise<number>> = [];
          const { page, errors, close } = await open(p.dashboard + DETAIL);
          page.on("response", (r) => {
            if (r.request().resourceType() === "script") scripts.push(r.body().then(gzipSize));
          });
          await page.reload();
          await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
          await page.waitForLoadState("networkidle");
          // Budget: all JavaScript the detail page loads ≤ 12 KB gzipped (before any click:
          // Report Issue hydrates on interaction, order_page_browser_test.ts measures it).
          const sizes = await Promise.all(scripts);
          assert(sizes.length > 0);
          const total = sizes.reduce((a, b) => a + b, 0);
          assert(total <= 12 * 1024, `detail page JS is ${total} bytes gzipped (${sizes})`);
          const items = page.locator(".timeline__list li");
          const texts = await items.allTextContents();
          assert.deepEqual(texts.map((s) => s.slice(0, 1)), ["✓", "✓", "●", "○"]);
          assert.match(texts[0], /Completed:Jan 15, 10:30 AMPicked up from ACME Manufacturing/);
          assert.match(texts[2], /Current status:Jan 16, 08:45 AMIn transit to City B/);
          assert.match(texts[3], /Expected:Jan 18Expected delivery/);
          // One current entry in the timeline (the order's step indicator has its own).
          assert.deepEqual(await page.locator('.timeline [aria-current="step"]').count(), 1);
          // Refresh: hold the API answer to see the loading state, then release it.
          let release!: () => void;
          const held = new Promise<void>((r) => release = r);
          await page.route("**/tracking", async (route) => {
            await held;
            await route.continue();
          });
          const refresh = page.getByRole("button", { name: "Refresh tracking" });
          await refresh.focus();
          await page.keyboard.press("Enter");
          await page.locator(".timeline__foot").getByText("Refreshing tracking…").waitFor();
          assert.deepEqual(await page.locator(".timeline").getAttribute("aria-busy"), "true");
          release();
          await page.locator(".timeline__list").waitFor();
          assert.deepEqual(
            (await page.locator(".timeline__list li").allTextContents()).map((s) => s.slice(0, 1)),
            ["✓", "✓", "●", "○"],
          );
          // The carrier link opens a new tab without a referrer.
          const carrier = page.getByRole("link", { name: /Track on FedEx Website/ });
          assert.deepEqual(await carrier.getAttribute("target"), "_blank");
          assert.deepEqual(await carrier.getAttribute("rel"), "noopener noreferrer");
          assert.deepEqual(await smallTargets(page), []);
          await noAxeViolations(page, "detail en");
          await page.screenshot({ path: await artifactPath("detail-1280-en.png"), fullPage: true });
          assert.deepEqual(errors, []);
          await close();
        },
      );

      await t.step("no layout shift while the detail page loads and hydrates", async () => {
        const { page, close } = await open(p.dashboard + DETAIL, 390, 844);
        await page.waitForSelector("mp-island[data-hydrated]");
        const shift = await page.evaluate(() =>
          new Promise<number>((resolve) => {
            let sum = 0;
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) {
                sum += (e as unknown as { value: number }).value;
              }
            }).observe({ type: "layout-shift", buffered: true });
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(sum)));
          })
        );
        // Under the suite's parallel load Chromium once reported 0.0005 with no source node
        // (nothing of the page moved); a shift of any element of ours names it and fails.
        const sources = await page.evaluate(() =>
          performance.getEntriesByType("layout-shift").flatMap((e) =>
            (e as unknown as { sources?: unknown[] }).sources ?? []
          ).length
        );
        assert.equal(sources, 0, "no element shifts");
        assert.ok(
          shift < 0.001,
          JSON.stringify(
            await page.evaluate(() =>
              performance.getEntriesByType("layout-shift").flatMap((e) =>
                ((e as unknown as { sources: Array<{ node?: Node }> }).sources ?? []).map((s) =>
                  (s.node as Element | undefined)?.outerHTML?.slice(0, 120) ?? "?"
                )
              )
            ),
          ),
        );
        await close();
      });

      for (
        const [lang, welcome, detailTitle] of [
          ["es", "Bienvenido, Retail Store Co.", "Detalles del pedido: ORD-008456"],
          ["pl", "Witamy, Retail Store Co.", "Szczegóły zamówienia: ORD-008456"],
        ] as const
      ) {
        await t.step(`dashboard and detail in ${lang}, axe-clean`, async () => {
          const { page, errors, close } = await open(`${p.dashboard}?lang=${lang}`);
          assert.deepEqual(await page.getAttribute("html", "lang"), lang);
          assert.deepEqual(await page.getByRole("heading", { level: 1 }).textContent(), welcome);
          await noAxeViolations(page, `dashboard ${lang}`);
          await page.screenshot({
            path: await artifactPath(`dashboard-1280-${lang}.png`),
            fullPage: true,
          });
          // The cookie keeps the language on the next page, without ?lang.
          await page.goto(p.url + p.dashboard + DETAIL);
          assert.deepEqual(
            await page.getByRole("heading", { level: 1 }).textContent(),
            detailTitle,
          );
          await page.waitForSelector("mp-island[data-hydrated]");
          await noAxeViolations(page, `detail ${lang}`);
          await page.screenshot({
            path: await artifactPath(`detail-1280-${lang}.png`),
            fullPage: true,
          });
          assert.deepEqual(errors, []);
          await close();
        });
      }

      await t.step("phones: cards under 640 px, nothing scrolls sideways at 360 px", async () => {
        for (const lang of ["en", "es", "pl"]) {
          for (const path of [p.dashboard, p.dashboard + DETAIL]) {
            const { page, close } = await open(`${path}?lang=${lang}`, 360, 740);
            assert.deepEqual(await horizontalOverflow(page), 0, `${lang} ${path}`);
            assert.deepEqual(await smallTargets(page), [], `${lang} ${path}`);
            await close();
          }
        }
        for (const [name, path] of [["dashboard", p.dashboard], ["detail", p.dashboard + DETAIL]]) {
          const { page, close } = await open(path, 390, 844);
          if (name === "dashboard") {
            // The table is shown as cards: no visible column headers.
            assert.deepEqual(
              await page.locator(".orders thead").evaluate((el) =>
                el.getBoundingClientRect().height <= 1
              ),
              true,
            );
            await noAxeViolations(page, "dashboard 390");
          } else {
            await page.waitForSelector("mp-island[data-hydrated]");
            await noAxeViolations(page, "detail 390");
          }
          await page.screenshot({ path: await artifactPath(`${name}-390-en.png`), fullPage: true });
          await close();
        }
      });

      await t.step("error page for an unknown link: 401 wording, axe-clean", async () => {
        const { page, close } = await open("/customer/not-a-link");
        assert.deepEqual(
          await page.getByRole("heading", { level: 1 }).textContent(),
          "Access Link Invalid or Expired",
        );
        await noAxeViolations(page, "invalid link");
        await page.screenshot({ path: await artifactPath("link-invalid-1280-en.png") });
        await close();
      });
    } finally {
      await browser?.close();
      await portal?.close();
      await stopBundler();
    }
  },
});
