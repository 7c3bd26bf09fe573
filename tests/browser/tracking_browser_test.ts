/**
 * Issue 6 in real headless Chromium on the demo seed:
 * - the demo order ORD-008456's timeline shows its events oldest first with the right marks
 *   (completed ✓, current ●, expected ○, and the spoken "Completed:/Current status:/
 *   Expected:" in the page's language) in en, es and pl, both as served (no JavaScript)
 *   and once the island has hydrated;
 * - "Shipment emails": the form round trip off and on with JavaScript disabled, the notice
 *   in a status region, 48 px target, axe-clean (WCAG 2.1 AA).
 */
import type { Browser, Page } from "playwright-core";
import { stopBundler } from "fresh/dev";
import { seedDemo } from "@/lib/seed/demo.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { isTrackingEmailOptedOut } from "@/lib/tracking/notify.ts";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";

const ORDER = "ORD-008456";

/** What the timeline must read, per language: [mark, spoken mark, text] oldest first. */
const EXPECTED = {
  en: {
    done: "Completed:",
    current: "Current status:",
    expected: "Expected:",
    est: "Expected delivery",
  },
  es: {
    done: "Completado:",
    current: "Estado actual:",
    expected: "Previsto:",
    est: "Entrega prevista",
  },
  pl: {
    done: "Zakończono:",
    current: "Obecny status:",
    expected: "Oczekiwane:",
    est: "Oczekiwana dostawa",
  },
} as const;

function expectedRows(lang: keyof typeof EXPECTED) {
  const l = EXPECTED[lang];
  return [
    ["✓", l.done, "2026-01-15T10:30:00Z", "Picked up from ACME Manufacturing"],
    ["✓", l.done, "2026-01-15T16:15:00Z", "Departed FedEx facility (City A)"],
    ["●", l.current, "2026-01-16T08:45:00Z", "In transit to City B"],
    ["○", l.expected, "2026-01-18", l.est],
  ];
}

interface Row {
  mark: string;
  spoken: string;
  datetime: string;
  time: string;
  text: string;
  current: string | null;
  cls: string;
}

async function timelineRows(page: Page): Promise<Row[]> {
  const items = page.locator(".timeline__list > li");
  const n = await items.count();
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const li = items.nth(i);
    rows.push({
      mark: (await li.locator(".tl__mark").textContent()) ?? "",
      spoken: (await li.locator(".sr-only").textContent()) ?? "",
      datetime: (await li.locator("time").getAttribute("datetime")) ?? "",
      time: ((await li.locator("time").textContent()) ?? "").trim(),
      text: ((await li.locator(".tl__text").textContent()) ?? "").trim(),
      current: await li.getAttribute("aria-current"),
      cls: (await li.getAttribute("class")) ?? "",
    });
  }
  return rows;
}

async function checkTimeline(page: Page, lang: keyof typeof EXPECTED, what: string) {
  const rows = await timelineRows(page);
  const want = expectedRows(lang);
  assert.deepEqual(
    rows.map((r) => [r.mark, r.spoken, r.datetime, r.text]),
    want,
    what,
  );
  // Chronological: the machine-readable times ascend.
  const times = rows.map((r) => Date.parse(r.datetime));
  assert.deepEqual([...times].sort((a, b) => a - b), times, `${what}: order`);
  assert(rows.every((r) => r.time.length > 0), `${what}: every row shows its time`);
  // Marks are more than colour: the classes, the symbol hidden from readers, the words spoken.
  assert.deepEqual(rows.map((r) => r.cls), [
    "tl tl--done",
    "tl tl--done",
    "tl tl--current",
    "tl tl--expected",
  ]);
  assert.deepEqual(rows.map((r) => r.current), [null, null, "step", null], `${what}: aria-current`);
  assert.deepEqual(
    await page.locator(".timeline__list .tl__mark").evaluateAll((els) =>
      els.map((e) => e.getAttribute("aria-hidden"))
    ),
    ["true", "true", "true", "true"],
  );
}

async function withPortal(fn: (s: TestServer, link: string, b: Browser) => Promise<void>) {
  let link = "";
  const server = await startTestServer({
    listen: true,
    env: { RATE_LIMIT_PER_HOUR: "10000" },
    setup: async (services) => {
      link = new URL((await seedDemo(services))!).pathname;
    },
  });
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await fn(server, link, browser);
  } finally {
    await browser?.close();
    await server.close();
    await stopBundler();
  }
}

Deno.test({
  name: "demo timeline in Chromium: events in order, right marks, in en, es and pl",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withPortal(async (s, link, b) => {
      for (const lang of ["en", "es", "pl"] as const) {
        const url = `${s.url}${link}/orders/${ORDER}?lang=${lang}`;
        // As served: no JavaScript at all.
        const plain = await b.newContext({ javaScriptEnabled: false });
        const p1 = await plain.newPage();
        await p1.goto(url);
        assert.deepEqual(await p1.getAttribute("html", "lang"), lang);
        await checkTimeline(p1, lang, `${lang} without JS`);
        await plain.close();

        // Hydrated: the island draws the same marks, and its refresh button is live.
        const live = await b.newContext();
        const p2 = await live.newPage();
        const errors: string[] = [];
        p2.on("pageerror", (e) => errors.push(String(e)));
        p2.on("console", (m) => m.type() === "error" && errors.push(m.text()));
        await p2.goto(url);
        await p2.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
        await p2.locator(".timeline__head button").waitFor();
        await checkTimeline(p2, lang, `${lang} hydrated`);
        assert.deepEqual(errors, [], `${lang}: console errors`);
        await live.close();
      }
    }),
});

Deno.test({
  name: "shipment emails in Chromium without JavaScript: off and on again, notices, a11y",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withPortal(async (s, link, b) => {
      const page = `${link}/orders/${ORDER}`;
      const optedOut = () =>
        isTrackingEmailOptedOut(s.services.kv, DEMO_ORG.slug, DEMO_CUSTOMER.ref);
      const ctx = await b.newContext({ javaScriptEnabled: false });
      const p = await ctx.newPage();
      await p.goto(s.url + page);
      const section = p.getByRole("region", { name: "Shipment emails" });
      await section.getByText("Shipment emails for Retail Store Co. are on").waitFor();
      const stop = section.getByRole("button", { name: "Stop shipment emails" });
      const box = await stop.boundingBox();
      assert(box && box.width >= 48 && box.height >= 48, `touch target ${JSON.stringify(box)}`);
      await stop.click();
      await p.waitForURL(/notice=emails_off#shipment-emails$/);
      assert.deepEqual(new URL(p.url()).pathname, page);
      assert.deepEqual(
        await section.getByRole("status").textContent(),
        "Done: shipment emails for Retail Store Co. are now off.",
      );
      await section.getByText("Shipment emails for Retail Store Co. are off.").waitFor();
      assert.deepEqual(await optedOut(), true);

      // Reloading the notice page posts nothing: still off.
      await p.reload();
      assert.deepEqual(await optedOut(), true);

      await section.getByRole("button", { name: "Resume shipment emails" }).click();
      await p.waitForURL(/notice=emails_on#shipment-emails$/);
      assert.deepEqual(
        await section.getByRole("status").textContent(),
        "Done: shipment emails for Retail Store Co. are on again.",
      );
      assert.deepEqual(await optedOut(), false);
      await ctx.close();

      // In Polish, the way back keeps the language.
      const pl = await b.newContext({ javaScriptEnabled: false });
      const pp = await pl.newPage();
      await pp.goto(`${s.url}${page}?lang=pl`);
      await pp.getByRole("button", { name: "Wyłącz powiadomienia o przesyłkach" }).click();
      await pp.waitForURL(/\?lang=pl&notice=emails_off#shipment-emails$/);
      assert.deepEqual(
        await pp.getByRole("status").filter({ hasText: "Gotowe" }).textContent(),
        "Gotowe: powiadomienia o przesyłkach dla Retail Store Co. są wyłączone.",
      );
      assert.deepEqual(await optedOut(), true);
      await pl.close();

      // With JavaScript (for axe): the page with the notice is WCAG 2.1 AA clean.
      const js = await b.newContext({ viewport: { width: 390, height: 844 } });
      const pj = await js.newPage();
      await pj.goto(`${s.url}${page}?notice=emails_off`);
      await pj.waitForSelector("mp-island[data-hydrated]");
      assert.deepEqual(await axeViolations(pj), []);
      await pj.locator("#shipment-emails").screenshot({
        path: await artifactPath("shipment-emails-390-en.png"),
      });
      await js.close();

      // Phones: the long Spanish and Polish button labels wrap; nothing scrolls sideways.
      const phone = await b.newContext({ viewport: { width: 360, height: 740 } });
      const ph = await phone.newPage();
      for (const lang of ["en", "es", "pl"]) {
        for (const state of ["off", "on"]) {
          await s.fetch(`${link}/notifications`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: `shipment_emails=${state}`,
          }).then((r) => r.body?.cancel());
          await ph.goto(`${s.url}${page}?lang=${lang}`);
          const overflow = await ph.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.deepEqual(overflow, 0, `${lang} ${state}: sideways scroll`);
          const btn = await ph.locator("#shipment-emails button").boundingBox();
          assert(btn && btn.width >= 48 && btn.height >= 48 && btn.x + btn.width <= 360);
        }
      }
      await phone.close();
    }),
});
