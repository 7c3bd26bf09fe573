/**
 * The support loop end to end in real headless Chromium, on one portal with the real queue:
 * a customer reports an issue on the order page → a support member signs in to the console,
 * opens the ticket, writes an internal note and a reply, resolves it → the customer sees
 * the reply and the status under "Your reports" on the order page (and in the portal API),
 * never the note, and has the confirmation, the reply and the resolution in the outbox.
 * "Your reports" is screenshotted at 390 and 1280 px in en, es and pl and checked with axe.
 */
import type { Browser, Page } from "playwright-core";
import { stopBundler } from "fresh/dev";
import { createApiKey } from "@/lib/access/api_keys.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { waitForQueueIdle } from "@/tests/helpers/services.ts";

const ORDER = "ORD-008456";
const CONTACT = "ops@retailstore.example";
const REPLY = "We are sending two replacement cases today; they arrive on Friday.";
const NOTE = "Carrier claim 4471 opened: do not tell the customer yet.";

function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

async function reportIssue(page: Page, p: Portal): Promise<string> {
  await page.goto(`${p.url}${p.dashboard}/orders/${ORDER}`);
  // Report Issue hydrates on interaction: this first click loads it and opens the modal.
  await page.getByRole("link", { name: "Report Issue" }).click();
  const dialog = page.getByRole("dialog", { name: "Report Order Issue" });
  await dialog.waitFor();
  await page.locator("#ri-issue_type").selectOption("damaged");
  await page.locator("#ri-description").fill("Two cases arrived crushed on one side.");
  await dialog.getByRole("button", { name: "Submit Report" }).click();
  const toast = page.getByRole("status").filter({ hasText: "Issue reported." });
  await toast.waitFor();
  return (await toast.textContent())!.match(/TKT-\d{4}-\d{6}/)![0];
}

async function supportWorks(page: Page, p: Portal, ticket: string): Promise<void> {
  await page.goto(`${p.url}/staff/signin`);
  await page.locator("select[name=role]").selectOption("support");
  await Promise.all([
    page.waitForURL(/\/staff\/tickets/),
    page.locator("form[action='/staff/dev-signin'] button").click(),
  ]);
  // The new ticket is in the list of open ones; open it from there.
  await page.goto(`${p.url}/staff/tickets?status=open`);
  await Promise.all([
    page.waitForURL(new RegExp(`/staff/tickets/${ticket}$`)),
    page.getByRole("link", { name: ticket }).click(),
  ]);
  const base = `/staff/tickets/${ticket}`;
  await page.locator(`form[action='${base}/notes'] textarea`).fill(NOTE);
  await Promise.all([
    page.waitForURL(/notice=note/),
    page.locator(`form[action='${base}/notes'] button`).click(),
  ]);
  await page.locator(`form[action='${base}/replies'] textarea`).fill(REPLY);
  await Promise.all([
    page.waitForURL(/notice=reply/),
    page.locator(`form[action='${base}/replies'] button`).click(),
  ]);
  await page.locator(`form[action='${base}/status'] select`).selectOption("resolved");
  await Promise.all([
    page.waitForURL(/notice=status/),
    page.locator(`form[action='${base}/status'] button`).click(),
  ]);
  const text = await page.locator("main").innerText();
  assert.match(text, new RegExp(REPLY.slice(0, 30)));
  assert.match(text, /Carrier claim 4471/, "the note is in the console");
  await page.screenshot({
    path: await artifactPath("staff-ticket-worked-1280.png"),
    fullPage: true,
  });
}

Deno.test({
  name: "support loop in Chromium: report → support replies and resolves → the customer sees it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    let portal: Portal | undefined;
    let browser: Browser | undefined;
    try {
      portal = await startPortal({
        listen: true,
        background: true,
        env: { DENO_ENV: "development" },
      });
      browser = await launchBrowser();
      const p = portal;
      const customer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await customer.newPage();
      page.setDefaultTimeout(10_000);
      const errors = watchErrors(page);
      const ticket = await reportIssue(page, p);

      const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const console_ = await staff.newPage();
      console_.setDefaultTimeout(10_000);
      await supportWorks(console_, p, ticket);
      await staff.close();

      // The customer reloads the order page: the reply and the status, not the note.
      await page.goto(`${p.url}${p.dashboard}/orders/${ORDER}`);
      const reports = page.locator("#reports");
      await reports.waitFor();
      const shown = await reports.innerText();
      assert.match(shown, new RegExp(ticket));
      assert.match(shown, /Resolved/);
      assert.match(shown, new RegExp(REPLY.slice(0, 30)));
      assert.doesNotMatch(await page.locator("body").innerText(), /Carrier claim|claim 4471/);
      assert.doesNotMatch(shown, /@acme/, "no staff email address");

      // The same in the portal API.
      const api = await fetch(
        `${p.url}/api/portal/customer/${p.token}/orders/${ORDER}/tickets`,
      );
      const body = await api.json();
      assert.equal(api.status, 200);
      const mine = body.tickets.find((t: { ticket_number: string }) => t.ticket_number === ticket);
      assert.equal(mine.status, "resolved");
      assert.equal(mine.replies.length, 1);
      assert.equal(mine.replies[0].body, REPLY);
      assert(!JSON.stringify(body).includes("4471"), "no internal note in the API");

      // The admin API shows the workflow's status, not "open" for ever.
      const { key } = await createApiKey(p.services.kv, "acme", p.services.clock.now());
      for (const path of [`/api/admin/v1/tickets/${ticket}`, "/api/admin/v1/tickets"]) {
        const res = await fetch(`${p.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        const json = await res.json();
        const t = json.tickets?.find((x: { ticket_number: string }) =>
          x.ticket_number === ticket
        ) ??
          json;
        assert.equal(t.status, "resolved", path);
      }

      // The outbox: the confirmation, the reply and the resolution, each once, to the contact.
      await waitForQueueIdle();
      const mail = (await listOutbox(p.services.kv)).entries.filter((e) =>
        e.to.includes(CONTACT) && e.subject.includes(ticket)
      );
      const subjects = mail.map((e) => e.subject).sort();
      assert.equal(subjects.length, 3, subjects.join(" | "));
      const reply = mail.find((e) => /New reply/.test(e.subject));
      assert(reply, subjects.join(" | "));
      assert(reply.text.includes(REPLY), "the reply is in the email");
      assert(!reply.text.includes("4471"), "the note is not");
      assert(mail.some((e) => /is resolved/.test(e.subject)), subjects.join(" | "));

      // "Your reports" as customers see it: 390 and 1280 px, en/es/pl, axe clean.
      const problems: string[] = [];
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        for (const lang of ["en", "es", "pl"]) {
          await page.goto(`${p.url}${p.dashboard}/orders/${ORDER}?lang=${lang}`);
          await reports.scrollIntoViewIfNeeded();
          await reports.screenshot({
            path: await artifactPath(`your-reports-${lang}-${width}.png`),
          });
          const wide = await page.evaluate(() =>
            document.documentElement.scrollWidth > document.documentElement.clientWidth
          );
          if (wide) problems.push(`${lang} ${width}: wider than the screen`);
          for (const v of await axeViolations(page)) problems.push(`${lang} ${width}: ${v.id}`);
        }
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(errors, []);
      await customer.close();
    } finally {
      await browser?.close();
      await portal?.close();
      await stopBundler();
    }
  },
});
