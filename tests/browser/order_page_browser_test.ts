/**
 * The order page in real headless Chromium (issue 12, issue 14's lighter page), measured:
 * every state (processing, shipped, late, out for delivery, delivered with facts, cancelled,
 * several shipments) at 360, 390 and 1280 px in en, es and pl holds its layout
 * (tests/helpers/layout.ts: no overflow, no zero-size text, 48 px targets, amounts and order
 * numbers on one line, no sideways scroll), shows the status line and the first shipment in
 * the first screen of a phone, marks its step with `aria-current="step"`, and is screenshot
 * to test-artifacts/. The step labels never break inside a word at 360, 390, 768 and 1280 px
 * (phones draw one line for the current step, the list stays whole for screen readers), and the
 * cancelled invoice row holds on a phone. Also: the initial JavaScript (entry and chunks before
 * any click) is at most 8 KB gzipped with none of Report Issue's code (it hydrates on
 * interaction: the first click, or Tab and Enter, loads and opens the modal once; ctrl-click and
 * a failed load go to the form page, which works without JavaScript); the modal with five
 * files fits a phone; the toast is dismissible and leaves by itself; a 3-line order prints on
 * one A4 page without navigation or buttons.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { stopBundler } from "fresh/dev";
import assert from "node:assert/strict";
import { artifactPath, launchBrowser } from "@/tests/helpers/browser.ts";
import { auditLayout, describe, inFirstScreen } from "@/tests/helpers/layout.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { fileBytes, PNG_SIG } from "@/tests/issues/issue_helpers.ts";
import { type OrderState, seedOrderStates, STATES } from "./order_states_helpers.ts";

const WIDTHS = [360, 390, 1280] as const;
const LANGS = ["en", "es", "pl"] as const;
const PHONE_HEIGHT = 780;

/** "Running late" as the order page and tracking card say it. */
const RUNNING_LATE = { en: "Running late", es: "Con retraso", pl: "Opóźnienie" } as const;

const detail = (p: Portal, order: string, lang: string) =>
  `${p.url}${p.dashboard}/orders/${order}?lang=${lang}`;

async function withContext<T>(
  browser: Browser,
  width: number,
  fn: (page: Page, ctx: BrowserContext) => Promise<T>,
  opts: { javaScriptEnabled?: boolean } = {},
): Promise<T> {
  const ctx = await browser.newContext({
    viewport: { width, height: width < 700 ? PHONE_HEIGHT : 900 },
    ...opts,
  });
  try {
    return await fn(await ctx.newPage(), ctx);
  } finally {
    await ctx.close();
  }
}

Deno.test({
  name:
    "order page in Chromium: states × widths × languages measured, JS weight, modal, toast, print",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // ORDER_PAGE_STEP=print runs only the steps whose name contains it (while working).
    const only = Deno.env.get("ORDER_PAGE_STEP");
    const step = (name: string, fn: () => Promise<void>) =>
      t.step({ name, ignore: !!only && !name.includes(only), fn });
    const portal = await startPortal({ listen: true, setup: seedOrderStates });
    const browser = await launchBrowser();
    try {
      await step("every state at 360, 390, 1280 px in en, es, pl holds its layout", async () => {
        const problems: string[] = [];
        for (const width of WIDTHS) {
          await withContext(browser, width, async (page) => {
            for (const lang of LANGS) {
              for (const [state, order] of Object.entries(STATES) as [OrderState, string][]) {
                await page.goto(detail(portal, order, lang));
                await page.locator(".glance__line").waitFor();
                const where = `${state} ${width}px ${lang}`;
                const offenders = await auditLayout(page);
                if (offenders.length) problems.push(`${where}:\n${describe(offenders)}`);
                // The step indicator: an ordered list with the current step marked.
                if (state !== "cancelled") {
                  const current = await page.locator('ol.steps [aria-current="step"]').count();
                  if (current < 1) problems.push(`${where}: no aria-current step`);
                }
                if (width < 700) {
                  if (!await inFirstScreen(page, ".glance__line")) {
                    problems.push(`${where}: status line below the first screen`);
                  }
                  if (
                    state !== "processing" && state !== "cancelled" &&
                    !await inFirstScreen(page, "#tracking .shipment-block", 1)
                  ) problems.push(`${where}: first shipment below the first screen`);
                }
                if (width !== 360) {
                  await page.screenshot({
                    path: await artifactPath(`order-${state}-${width}-${lang}.png`),
                    fullPage: true,
                  });
                }
              }
            }
          });
        }
        assert.deepEqual(problems, [], problems.join("\n\n"));
      });

      await step(
        "step labels: no word broken at 360, 390, 768, 1280 px in en, es, pl; the list whole",
        async () => {
          const problems: string[] = [];
          const steps = ["processing", "late", "out_for_delivery", "delivered", "several"] as const;
          for (const width of [360, 390, 768, 1280]) {
            await withContext(browser, width, async (page) => {
              // The measurement itself: a label squeezed to break mid-word is caught.
              await page.setContent(
                `<p class="steps__label" style="width:40px;overflow-wrap:anywhere">Zamówiono</p>`,
              );
              const caught = await auditLayout(page);
              assert.ok(caught.some((o) => o.kind === "broken_word"), describe(caught));
              for (const lang of LANGS) {
                for (const state of steps) {
                  await page.goto(detail(portal, STATES[state], lang));
                  const where = `${state} ${width}px ${lang}`;
                  const broken = (await auditLayout(page)).filter((o) => o.kind === "broken_word");
                  if (broken.length) problems.push(`${where}:\n${describe(broken)}`);
                  // Phones draw one line (current step, next); wider screens every label. The
                  // list keeps its five steps and aria-current for screen readers either way.
                  const seen = await page.locator("ol.steps").first().evaluate((ol) => {
                    const drawn = (e: Element | null) =>
                      !!e && e.getBoundingClientRect().width > 2 &&
                      getComputedStyle(e).clip !== "rect(0px, 0px, 0px, 0px)";
                    const box = ol.parentElement!;
                    return {
                      items: ol.querySelectorAll("li").length,
                      current: ol.querySelectorAll('li[aria-current="step"]').length,
                      labels: [...ol.querySelectorAll(".steps__label")].filter(drawn).length,
                      now: drawn(box.querySelector(".steps__now")),
                      nowHidden: box.querySelector(".steps__now")?.getAttribute("aria-hidden"),
                    };
                  });
                  const want = width < 640
                    ? { items: 5, current: 1, labels: 0, now: true, nowHidden: "true" }
                    : { items: 5, current: 1, labels: 5, now: false, nowHidden: "true" };
                  if (JSON.stringify(seen) !== JSON.stringify(want)) {
                    problems.push(`${where}: ${JSON.stringify(seen)}`);
                  }
                  if (state === "late" || state === "several") {
                    // The status card with its steps (all of them: the several-shipments page).
                    await page.locator(".glance:has(ol.steps), .shipment-block__head").first()
                      .screenshot({
                        path: await artifactPath(`order-steps-${state}-${width}-${lang}.png`),
                      });
                  }
                }
              }
            });
          }
          assert.deepEqual(problems, [], problems.join("\n"));
        },
      );

      await step(
        "the cancelled invoice row holds on a phone: name on its row, mark and 48 px download under it",
        async () => {
          for (const width of [360, 390]) {
            await withContext(browser, width, async (page) => {
              for (const lang of LANGS) {
                await page.goto(detail(portal, STATES.cancelled, lang));
                const row = page.locator(".doc").filter({ has: page.locator(".badge") });
                assert.deepEqual(await row.count(), 1, lang);
                // The invoice's own word, as on its PDF's stamp (a feminine noun in es and pl).
                const mark = { en: "Cancelled", es: "Anulada", pl: "Anulowana" }[lang];
                assert.deepEqual((await row.locator(".badge").textContent())?.trim(), mark);
                const offenders = await auditLayout(page, { wholeWords: [".doc__name"] });
                assert.deepEqual(offenders, [], `${width} ${lang}:\n${describe(offenders)}`);
                const m = await row.evaluate((li) => {
                  const box = (s: string) => li.querySelector(s)!.getBoundingClientRect();
                  const name = box(".doc__name > span");
                  const badge = box(".badge");
                  const btn = box(".btn");
                  const lh = parseFloat(
                    getComputedStyle(li.querySelector(".doc__name")!).lineHeight,
                  );
                  const overlap = (a: DOMRect, b: DOMRect) =>
                    a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 &&
                    b.top < a.bottom - 1;
                  return {
                    nameLines: Math.round(name.height / lh),
                    badgeAfter: badge.top >= name.bottom - 1 || badge.left >= name.right - 1,
                    apart: !overlap(name, badge) && !overlap(name, btn) && !overlap(badge, btn),
                    btn: [btn.width, btn.height],
                  };
                });
                const where = `${width} ${lang}: ${JSON.stringify(m)}`;
                assert.ok(m.nameLines <= 2, where);
                assert.ok(m.badgeAfter, where);
                assert.ok(m.apart, where);
                assert.ok(m.btn[0] >= 48 && m.btn[1] >= 48, where);
                if (width === 390) {
                  await row.screenshot({
                    path: await artifactPath(`order-cancelled-invoice-390-${lang}.png`),
                  });
                }
              }
            });
          }
        },
      );

      await step(
        "lateness: the page and the tracking card say Running late, in three languages",
        async () => {
          await withContext(browser, 390, async (page) => {
            for (const lang of LANGS) {
              await page.goto(detail(portal, STATES.late, lang));
              const line = (await page.locator(".glance__line").textContent())!;
              assert.match(line, new RegExp(`^${RUNNING_LATE[lang]}`), `${lang}: ${line}`);
              const card = (await page.locator("#tracking .badge--late").textContent())!;
              assert.deepEqual(card.trim(), RUNNING_LATE[lang]);
              // The missed estimate sits before the later real event, marked late.
              const marks = await page.locator(".timeline__list > li").evaluateAll((els) =>
                els.map((e) => e.className)
              );
              assert.ok(marks.includes("tl tl--late"), marks.join());
            }
          });
        },
      );

      await step("cancelled: no expected delivery, no packing slip, invoice marked", async () => {
        await withContext(browser, 390, async (page) => {
          await page.goto(detail(portal, STATES.cancelled, "en"));
          assert.match((await page.locator(".glance__line").textContent())!, /^Cancelled on /);
          const html = await page.content();
          assert(!/packing-slip/.test(html), "packing slip link on a cancelled order");
          assert(!/Expected delivery/.test(html));
          assert(!/Shipment emails/i.test(html));
          assert.match(
            await page.locator(".doc").filter({ hasText: "Invoice" }).innerText(),
            /Cancelled/,
          );
        });
      });

      await step(
        "initial JavaScript ≤ 8 KB gzipped, none of Report Issue's; its code comes on first click",
        async () => {
          await withContext(browser, 390, async (page) => {
            // Every script and modulepreload the page fetches, in order, with its gzip size.
            const fetched: string[] = [];
            const sizes = new Map<string, Promise<number>>();
            page.on("request", (r) => {
              if (r.resourceType() === "script") fetched.push(new URL(r.url()).pathname);
            });
            page.on("response", (r) => {
              if (r.request().resourceType() !== "script") return;
              sizes.set(new URL(r.url()).pathname, r.body().then((b) => gzipSync(b).byteLength));
            });
            await page.goto(detail(portal, STATES.shipped, "en"));
            await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
            await page.waitForLoadState("networkidle");
            const island = page.locator('mp-island[data-island="ReportIssue"]');
            // The timeline hydrated at load; Report Issue did not, and none of its code came.
            assert.deepEqual(await island.getAttribute("data-hydrated"), null);
            assert.deepEqual(await island.getAttribute("data-hydrate"), "interaction");
            const entry = (await island.getAttribute("data-src"))!;
            assert.match(entry, /^\/_fresh\/js\/ReportIssue-[A-Z0-9]+\.js$/);
            const before = [...fetched];
            assert(!before.includes(entry), `ReportIssue's entry fetched at load: ${before}`);
            assert(!before.some((u) => /ReportIssue/.test(u)), before.join());
            assert.deepEqual(
              await page.locator('link[rel="modulepreload"]').count(),
              0,
              "nothing preloaded",
            );
            let initial = 0;
            for (const u of before) initial += await sizes.get(u)!;
            console.log(
              `order page initial JS: ${initial} B gzipped`,
              Object.fromEntries(
                await Promise.all(before.map(async (u) => [u, await sizes.get(u)])),
              ),
            );
            assert.ok(initial <= 8 * 1024, `initial JS ${initial} B: ${before}`);
            // The trigger is a link to the form page; the first click loads and opens it, once.
            const trigger = page.getByRole("link", { name: "Report Issue" });
            assert.match((await trigger.getAttribute("href"))!, /\/report$/);
            await trigger.click();
            await page.getByRole("dialog").waitFor();
            assert.deepEqual(await page.locator("dialog[open]").count(), 1);
            const after = fetched.slice(before.length);
            assert(after.includes(entry), `the click fetched ReportIssue's entry: ${after}`);
            assert(after.length >= 2, `the entry and the modal's chunk: ${after}`);
            assert(after.every((u) => !before.includes(u)), "nothing fetched twice");
            assert.match(page.url(), /\/orders\/ORD-\d+\?lang=en$/, "no navigation");
          });
        },
      );

      await step(
        "Report Issue: the first click while its code is on the way opens the modal once",
        async () => {
          await withContext(browser, 390, async (page) => {
            const errors: string[] = [];
            page.on("pageerror", (e) => errors.push(String(e)));
            let release!: () => void;
            const slow = new Promise<void>((r) => release = r);
            await page.route("**/_fresh/js/ReportIssue-*.js", async (route) => {
              await slow;
              await route.continue();
            });
            await page.goto(detail(portal, STATES.shipped, "en"));
            await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
            const trigger = page.getByRole("link", { name: "Report Issue" });
            await trigger.click();
            await trigger.click();
            // Held: no navigation to the form page, no modal yet.
            assert.match(page.url(), /\?lang=en$/);
            assert.deepEqual(await page.locator("dialog[open]").count(), 0);
            release();
            await page.getByRole("dialog").waitFor();
            assert.deepEqual(await page.locator("dialog[open]").count(), 1);
            assert.match(page.url(), /\?lang=en$/);
            assert.deepEqual(errors, []);
          });
        },
      );

      await step("Report Issue by keyboard: Tab to the link, Enter opens the modal", async () => {
        await withContext(browser, 1280, async (page) => {
          await page.goto(detail(portal, STATES.shipped, "en"));
          await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
          let guard = 0;
          while (
            !(await page.evaluate(() =>
              !!document.activeElement?.closest('mp-island[data-island="ReportIssue"]')
            ))
          ) {
            await page.keyboard.press("Tab");
            assert(++guard < 60, "Report Issue is reachable by Tab");
          }
          await page.keyboard.press("Enter");
          const dialog = page.getByRole("dialog");
          await dialog.waitFor();
          await page.waitForFunction(() => document.activeElement?.id === "ri-issue_type");
          assert.deepEqual(await page.locator("dialog[open]").count(), 1);
        });
      });

      await step(
        "Report Issue: ctrl- and middle click open the form page in a new tab; a failed load navigates",
        async () => {
          await withContext(browser, 1280, async (page, ctx) => {
            await page.goto(detail(portal, STATES.shipped, "en"));
            await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
            const trigger = page.getByRole("link", { name: "Report Issue" });
            const clicks: Parameters<typeof trigger.click>[0][] = [
              { modifiers: ["ControlOrMeta"] },
              { button: "middle" },
            ];
            for (const click of clicks) {
              const [tab] = await Promise.all([ctx.waitForEvent("page"), trigger.click(click)]);
              await tab.waitForURL(/\/report$/);
              assert.deepEqual(await page.locator("dialog[open]").count(), 0);
              assert.match(page.url(), /\?lang=en$/);
              await tab.close();
            }

            // The island's code cannot be fetched (offline, a deploy in between): the click
            // goes to the form page, which works without it.
            await page.route("**/_fresh/js/ReportIssue-*.js", (route) => route.abort());
            await page.goto(detail(portal, STATES.processing, "en"));
            await page.getByRole("link", { name: "Report Issue" }).click();
            await page.waitForURL(/\/report$/);
            assert.deepEqual(
              await page.getByRole("heading", { level: 1 }).textContent(),
              "Report Order Issue",
            );
          });
        },
      );

      await step("without JavaScript the link opens the form page, which sends", async () => {
        await withContext(browser, 390, async (page) => {
          await page.goto(detail(portal, STATES.shipped, "en"));
          await page.getByRole("link", { name: "Report Issue" }).click();
          await page.waitForURL(/\/report$/);
          await page.locator("#ri-issue_type").selectOption({ index: 1 });
          await page.locator("#ri-description").fill("Three boxes arrived crushed at one corner.");
          await page.getByRole("button", { name: "Submit Report" }).click();
          await page.waitForURL(/\/report\?ticket=TKT-/);
          assert.match((await page.getByRole("status").textContent())!, /^Issue reported\./);
        }, { javaScriptEnabled: false });
      });

      await step(
        "the modal with five files fits a phone; the toast leaves and can be dismissed",
        async () => {
          for (const lang of LANGS) {
            await withContext(browser, 360, async (page) => {
              await page.clock.install();
              await page.goto(detail(portal, STATES.shipped, lang));
              // Report Issue hydrates on interaction: this first click loads and opens it.
              await page.locator('mp-island[data-island="ReportIssue"] a').click();
              const dialog = page.getByRole("dialog");
              await dialog.waitFor();
              const files = [1, 2, 3, 4, 5].map((i) => ({
                name: `photo-of-the-damaged-crate-number-${i}.png`,
                mimeType: "image/png",
                buffer: Buffer.from(fileBytes(PNG_SIG, 4000, i)),
              }));
              await page.locator("#ri-photos").setInputFiles(files);
              await page.waitForFunction(() => document.querySelectorAll(".ri-file").length === 5);
              const offenders = await auditLayout(page, { ignore: ["main", "header", "footer"] });
              assert.deepEqual(offenders, [], `${lang}:\n${describe(offenders)}`);
              const fit = await page.evaluate(() => {
                const list = document.querySelector(".ri-files")!.getBoundingClientRect();
                const d = document.querySelector("dialog")!.getBoundingClientRect();
                const names = [...document.querySelectorAll(".ri-file__name")].map((e) =>
                  e.getBoundingClientRect().width
                );
                const removes = [...document.querySelectorAll(".ri-file__remove")].map((e) =>
                  e.getBoundingClientRect().width
                );
                const head = document.querySelector(".ri-head h2")!;
                const lh = parseFloat(getComputedStyle(head).lineHeight);
                return {
                  listHeight: list.height,
                  dialogFits: d.width <= innerWidth && d.height <= innerHeight,
                  names,
                  removes,
                  titleLines: Math.round(head.getBoundingClientRect().height / lh),
                };
              });
              await page.screenshot({
                path: await artifactPath(`order-modal-5-files-360-${lang}.png`),
              });
              assert.ok(fit.dialogFits, `${lang}: dialog larger than the screen`);
              assert.ok(
                fit.listHeight < PHONE_HEIGHT / 2,
                `${lang}: five files take ${fit.listHeight}px`,
              );
              assert.ok(fit.names.every((w) => w > 60), `${lang}: names ${fit.names}`);
              assert.ok(fit.removes.every((w) => w >= 48 && w < 60), `${lang}: ✕ ${fit.removes}`);
              assert.ok(fit.titleLines <= 2, `${lang}: title on ${fit.titleLines} lines`);
              assert.match(
                (await page.locator(".ri-picker__count").textContent())!,
                /5/,
                "the picker says how many files are chosen",
              );
              await page.screenshot({
                path: await artifactPath(`order-modal-5-files-360-${lang}.png`),
              });
            });
          }
          // The toast: sent report → role=status, full width on a phone, dismissible, and gone
          // by itself after its timeout (the page's clock is moved, no sleep).
          await withContext(browser, 390, async (page) => {
            await page.clock.install();
            for (const dismiss of [true, false]) {
              await page.goto(detail(portal, STATES.shipped, "en"));
              // Report Issue hydrates on interaction: this first click loads and opens it.
              await page.getByRole("link", { name: "Report Issue" }).click();
              const dialog = page.getByRole("dialog");
              await dialog.waitFor();
              await dialog.locator("#ri-issue_type").selectOption({ index: 1 });
              await dialog.locator("#ri-description").fill(
                "Three boxes arrived crushed at one corner.",
              );
              await dialog.getByRole("button", { name: "Submit Report" }).click();
              const toast = page.locator(".toast__box");
              await toast.waitFor();
              assert.deepEqual(await page.locator(".toast").getAttribute("role"), "status");
              const box = (await toast.boundingBox())!;
              assert.ok(box.width >= 390 - 24, `toast ${box.width}px wide`);
              assert.ok(box.height <= 120, `toast ${box.height}px tall`);
              await page.screenshot({ path: await artifactPath(`order-toast-390-en.png`) });
              if (dismiss) {
                await page.locator(".toast__close").click();
              } else {
                await page.mouse.move(0, 0);
                await page.clock.runFor(10_000);
              }
              await toast.waitFor({ state: "detached" });
            }
          });
        },
      );

      await step(
        "error pages (unknown order, invalid link) hold at every width and language",
        async () => {
          const problems: string[] = [];
          for (const width of WIDTHS) {
            await withContext(browser, width, async (page) => {
              for (const lang of LANGS) {
                for (
                  const [name, path] of [
                    ["order-not-found", `${portal.dashboard}/orders/ORD-999999`],
                    ["link-invalid", "/customer/not-a-real-token"],
                  ]
                ) {
                  await page.goto(`${portal.url}${path}?lang=${lang}`);
                  const offenders = await auditLayout(page);
                  if (offenders.length) {
                    problems.push(`${name} ${width} ${lang}:\n${describe(offenders)}`);
                  }
                  if (width !== 360) {
                    await page.screenshot({
                      path: await artifactPath(`${name}-${width}-${lang}.png`),
                    });
                  }
                }
              }
            });
          }
          assert.deepEqual(problems, [], problems.join("\n\n"));
        },
      );

      await step(
        "print: a 3-line order is one A4 page without navigation or buttons",
        async () => {
          await withContext(browser, 1280, async (page) => {
            await page.goto(detail(portal, STATES.delivered, "pl"));
            await page.emulateMedia({ media: "print" });
            const shown = await page.evaluate(() =>
              [...document.querySelectorAll(".site-header, .btn, .actions, nav")]
                .filter((e) => e.getBoundingClientRect().height > 0).length
            );
            assert.deepEqual(shown, 0, "navigation or buttons on paper");
            const pdf = await page.pdf({ format: "A4", printBackground: true });
            const path = await artifactPath("order-print-pl.pdf");
            await Deno.writeFile(path, pdf);
            const info = new TextDecoder().decode(
              (await new Deno.Command("pdfinfo", { args: [path] }).output()).stdout,
            );
            assert.match(info, /^Pages:\s+1$/m, info);
            const text = new TextDecoder().decode(
              (await new Deno.Command("pdftotext", { args: [path, "-"] }).output()).stdout,
            );
            assert.match(text, /ORD-009003/);
            assert.match(text, /PROD-789/);
          });
        },
      );
    } finally {
      await browser.close();
      await portal.close();
      await stopBundler();
    }
  },
});
