/**
 * Report Issue in real headless Chromium on the demo portal: open the modal, fail
 * validation, fix it, attach two images, submit, see the toast; the same by keyboard only
 * (focus trapped, Escape returns focus); axe-core clean with the modal open; 48 px targets;
 * and the no-JavaScript path through the form page.
 *
 * The modal is tested on the order detail page when the island is placed there; until then
 * on a small fixture page that renders the same island inside the portal layout.
 */
import type { Browser, Page } from "playwright-core";
import { Buffer } from "node:buffer";
import { stopBundler } from "fresh/dev";
import { listTickets } from "@/lib/issues/tickets.ts";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { fileBytes, JPEG_SIG, PNG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";

/** A tiny valid PNG and JPEG (real headers; the server decides types by these bytes). */
const png = {
  name: "crate.png",
  mimeType: "image/png",
  buffer: Buffer.from(fileBytes(PNG_SIG, 4000, 1)),
};
const jpg = {
  name: "label.jpg",
  mimeType: "image/jpeg",
  buffer: Buffer.from(fileBytes(JPEG_SIG, 6000, 2)),
};
const txt = {
  name: "notes.png",
  mimeType: "image/png",
  buffer: Buffer.from("plain text, not a picture"),
};

function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

/** Opens the order page, which carries the island, and waits for it to hydrate. */
async function openModalPage(
  page: Page,
  portal: Portal,
  query = "",
  button = "Report Issue",
): Promise<void> {
  const detail = `${portal.url}${portal.dashboard}/orders/${ORDER}`;
  await page.goto(detail + query);
  // Report Issue hydrates on interaction: the first click itself loads and opens it.
  await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
  await page.getByRole("link", { name: button }).waitFor();
}

/** Waits until the modal lists `n` files (adding them reads their first bytes first). */
async function files(page: Page, n: number) {
  await page.waitForFunction((n) => document.querySelectorAll(".ri-file").length === n, n);
}

async function focusInDialog(page: Page): Promise<boolean> {
  return await page.evaluate(() => !!document.activeElement?.closest("dialog[open]"));
}

async function smallTargets(page: Page, scope: string): Promise<string[]> {
  return await page.evaluate((scope) => {
    const out: string[] = [];
    for (
      const el of document.querySelectorAll<HTMLElement>(
        `${scope} button, ${scope} select, ${scope} input, ${scope} textarea, ${scope} a`,
      )
    ) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Links in the error summary are text links in a list (WCAG 2.5.8's inline exception).
      if (el.tagName === "A" && el.closest(".ri-alert")) continue;
      if (r.width < 48 || r.height < 48) out.push(`${el.tagName}#${el.id} ${r.width}x${r.height}`);
    }
    return out;
  }, scope);
}

Deno.test({
  name: "Report Issue in Chromium: modal, validation, photos, toast, keyboard, axe, no-JS",
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

      await t.step("open, fail validation, fix, attach two images, submit, toast", async () => {
        const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        const errors = watchErrors(page);
        await openModalPage(page, p);
        const trigger = page.getByRole("link", { name: "Report Issue" });
        await trigger.click();
        const dialog = page.getByRole("dialog", { name: "Report Order Issue" });
        await dialog.waitFor();
        assert.deepEqual(await dialog.getByText(`Order: ${ORDER}`).count(), 1);
        assert.deepEqual(
          await page.locator("#ri-contact_email").inputValue(),
          "ops@retailstore.example",
        );

        // Submit empty: messages next to the fields, focus on the first invalid one.
        await dialog.getByRole("button", { name: "Submit Report" }).click();
        assert.deepEqual(
          await page.locator("#ri-issue_type-err").textContent(),
          "Choose an issue type.",
        );
        assert.deepEqual(
          await page.locator("#ri-description-err").textContent(),
          "Describe the issue in at least 10 characters.",
        );
        assert.deepEqual(await page.locator("#ri-issue_type").getAttribute("aria-invalid"), "true");
        assert.match(
          (await page.locator("#ri-description").getAttribute("aria-describedby"))!,
          /ri-description-err/,
        );
        await page.waitForFunction(() => document.activeElement?.id === "ri-issue_type");

        // Fix: type, a description with the live counter, phone; a disguised file is refused.
        await page.locator("#ri-issue_type").selectOption("damaged");
        await page.locator("#ri-description").fill("Two pallets arrived crushed on one side.");
        assert.deepEqual(
          await page.locator("#ri-description-count").textContent(),
          "40 / 1000 characters",
        );
        await page.locator("#ri-photos").setInputFiles([txt]);
        assert.deepEqual(
          await page.locator("#ri-photos-err").textContent(),
          "Only JPG, PNG or PDF files are accepted.",
        );
        await page.locator("#ri-photos").setInputFiles([png, jpg]);
        await files(page, 2);
        assert.deepEqual(await page.locator(".ri-file img").count(), 2, "image previews");
        assert.deepEqual(await page.locator("#ri-photos-err").count(), 0);
        // Remove one and put it back: the remove buttons are labelled by file name.
        await page.getByRole("button", { name: "Remove label.jpg" }).click();
        await files(page, 1);
        await page.locator("#ri-photos").setInputFiles([jpg]);
        await files(page, 2);
        assert.deepEqual(await smallTargets(page, "dialog"), [], "48 px targets in the modal");
        await page.screenshot({ path: await artifactPath("report-issue-modal.png") });

        await dialog.getByRole("button", { name: "Submit Report" }).click();
        const toast = page.getByRole("status").filter({ hasText: "Issue reported." });
        await toast.waitFor();
        assert.match(
          (await toast.locator(".toast__text").textContent())!,
          /^Issue reported\. We'll contact you within 24 hours\. Your ticket number is TKT-\d{4}-000001\.$/,
        );
        // The toast and the dialog's closing land in the same update, but not in one frame.
        await dialog.waitFor({ state: "hidden", timeout: 5_000 });
        assert.deepEqual(await dialog.isVisible(), false);
        await page.waitForFunction(() =>
          document.activeElement?.textContent?.trim() === "Report Issue"
        );
        const { tickets } = await listTickets(p.services.kv, "acme");
        assert.deepEqual(tickets.length, 1);
        assert.deepEqual(tickets[0].photos.map((ph) => ph.type), ["image/png", "image/jpeg"]);
        assert.deepEqual(errors, []);
        await context.close();
      });

      await t.step(
        "keyboard only: Enter opens, Tab stays inside, Escape returns focus",
        async () => {
          const context = await b.newContext();
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          await openModalPage(page, p);
          // Reach the button by Tab from the top of the page (its focus starts loading it).
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
          await page.getByRole("dialog").waitFor();
          assert(await focusInDialog(page), "focus moves into the dialog");
          for (let i = 0; i < 20; i++) {
            await page.keyboard.press("Tab");
            assert(await focusInDialog(page), `Tab ${i + 1} stays in the dialog`);
          }
          for (let i = 0; i < 12; i++) {
            await page.keyboard.press("Shift+Tab");
            assert(await focusInDialog(page), `Shift+Tab ${i + 1} stays in the dialog`);
          }
          await page.keyboard.press("Escape");
          await page.locator("dialog").waitFor({ state: "hidden" });
          assert.deepEqual(
            await page.evaluate(() => document.activeElement?.getAttribute("aria-haspopup")),
            "dialog",
            "focus is back on [Report Issue]",
          );

          // [Cancel] and [Close] close it too, focus back on [Report Issue] each time.
          for (const name of ["Cancel", "Close"]) {
            await page.keyboard.press("Enter");
            await page.getByRole("dialog").waitFor();
            await page.getByRole("dialog").getByRole("button", { name, exact: true }).focus();
            await page.keyboard.press("Enter");
            await page.locator("dialog").waitFor({ state: "hidden" });
            assert.deepEqual(
              await page.evaluate(() => document.activeElement?.getAttribute("aria-haspopup")),
              "dialog",
              `focus is back on [Report Issue] after ${name}`,
            );
          }

          // Fill and send with the keyboard alone.
          await page.keyboard.press("Enter");
          await page.getByRole("dialog").waitFor();
          await page.waitForFunction(() => document.activeElement?.id === "ri-issue_type");
          await page.keyboard.press("ArrowDown"); // first issue type: Damaged items
          await page.keyboard.press("Tab");
          await page.keyboard.type("The wrong colour of widget was delivered.");
          await page.keyboard.press("Tab"); // photos
          await page.keyboard.press("Tab"); // email (prefilled)
          await page.keyboard.press("Tab"); // phone
          await page.keyboard.type("+1 555 123 4567");
          await page.keyboard.press("Tab"); // Cancel
          await page.keyboard.press("Tab"); // Submit Report
          await page.keyboard.press("Enter");
          await page.getByRole("status").filter({ hasText: "Issue reported." }).waitFor();
          const { tickets } = await listTickets(p.services.kv, "acme");
          assert.deepEqual(tickets[0].description, "The wrong colour of widget was delivered.");
          assert.deepEqual(tickets[0].contact_phone, "+1 555 123 4567");
          await context.close();
        },
      );

      await t.step(
        "phone (390 px): the modal fits, scrolls, and its targets stay 48 px",
        async () => {
          const context = await b.newContext({ viewport: { width: 390, height: 700 } });
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          await openModalPage(page, p);
          await page.getByRole("link", { name: "Report Issue" }).click();
          await page.getByRole("dialog").waitFor();
          const box = await page.locator("dialog").boundingBox();
          assert(
            box && box.x >= 0 && box.x + box.width <= 390,
            `dialog fits: ${JSON.stringify(box)}`,
          );
          const sideways = await page.evaluate(() => {
            const d = document.querySelector("dialog")!;
            return d.scrollWidth - d.clientWidth;
          });
          assert.deepEqual(sideways, 0, "nothing in the modal scrolls sideways");
          const submit = page.getByRole("button", { name: "Submit Report" });
          await submit.scrollIntoViewIfNeeded();
          assert(await submit.isVisible());
          assert.deepEqual(await smallTargets(page, "dialog"), []);
          await page.screenshot({ path: await artifactPath("report-issue-modal-390.png") });
          await context.close();
        },
      );

      await t.step("axe-core is clean with the modal open, errors shown", async () => {
        const context = await b.newContext();
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await openModalPage(page, p);
        await page.getByRole("link", { name: "Report Issue" }).click();
        await page.getByRole("dialog").waitFor();
        assert.deepEqual(await axeViolations(page), [], "modal open");
        await page.getByRole("button", { name: "Submit Report" }).click();
        await page.locator("#ri-description-err").waitFor();
        assert.deepEqual(await axeViolations(page), [], "modal with errors");
        await context.close();
      });

      await t.step("Spanish: labels and messages in the customer's language", async () => {
        const context = await b.newContext();
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await openModalPage(page, p, "?lang=es", "Informar de un problema");
        await page.getByRole("link", { name: "Informar de un problema" }).click();
        await page.getByRole("button", { name: "Enviar informe" }).click();
        assert.deepEqual(
          await page.locator("#ri-issue_type-err").textContent(),
          "Elija un tipo de problema.",
        );
        await context.close();
      });

      await t.step(
        "the form page (no script of its own) is axe-clean with errors shown",
        async () => {
          const context = await b.newContext();
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          await page.goto(`${p.url}${p.dashboard}/orders/${ORDER}/report`);
          await page.getByRole("button", { name: "Submit Report" }).click();
          await page.locator("#ri-issue_type-err").waitFor();
          assert.deepEqual(await axeViolations(page), [], "form page with errors");
          await context.close();
        },
      );

      await t.step(
        "without JavaScript: the link opens the form page, which posts and answers",
        async () => {
          const context = await b.newContext({ javaScriptEnabled: false });
          const page = await context.newPage();
          page.setDefaultTimeout(10_000);
          await page.goto(`${p.url}${p.dashboard}/orders/${ORDER}`);
          await page.getByRole("link", { name: "Report Issue" }).click();
          await page.waitForURL(/\/report$/);
          assert.deepEqual(
            await page.getByRole("heading", { level: 1 }).textContent(),
            "Report Order Issue",
          );
          await page.getByRole("button", { name: "Submit Report" }).click();
          await page.waitForURL(/\/report$/);
          assert.deepEqual(
            await page.locator("#ri-issue_type-err").textContent(),
            "Choose an issue type.",
          );
          assert.deepEqual(await smallTargets(page, "form"), [], "48 px targets on the form page");
          await page.locator("#ri-issue_type").selectOption("quality");
          await page.locator("#ri-description").fill("The finish is scratched on every unit.");
          await page.locator("#ri-photos").setInputFiles([png, jpg]);
          await page.getByRole("button", { name: "Submit Report" }).click();
          await page.waitForURL(/\/report\?ticket=TKT-/);
          const status = page.getByRole("status");
          assert.match((await status.textContent())!, /^Issue reported\. We'll contact you/);
          const { tickets } = await listTickets(p.services.kv, "acme");
          assert.deepEqual(tickets[0].issue_type, "quality");
          assert.deepEqual(tickets[0].photos.length, 2);
          await context.close();
        },
      );
    } finally {
      await browser?.close();
      await portal?.close();
      await stopBundler();
    }
  },
});
