/**
 * The staff console in real headless Chromium:
 * - the OpenID Connect sign-in round trip against a real provider (`oauth2-mock-server` on
 *   a loopback port: discovery, authorization code + PKCE, RS256 ID token): a protected page
 *   sends the browser to the sign-in page, the button to the provider, the callback back to
 *   the page asked for, signed in; sign-out ends it;
 * - every console page (developer sign-in, demo data with a ticket, a link and a dead
 *   letter) at 390 px and 1280 px in en, es and pl: axe-core clean (WCAG 2.1 AA), nothing
 *   wider than the screen, 48 px targets, the sign-out control on every page; screenshots in
 *   test-artifacts/.
 */
import type { Browser, Page } from "playwright-core";
import { stopBundler } from "fresh/dev";
import { createLink } from "@/lib/access/tokens.ts";
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { createTicket } from "@/lib/issues/tickets.ts";
import { writeDeadLetter } from "@/lib/queue/dead_letters.ts";
import { DEMO_CUSTOMER, DEMO_ORDERS, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { addStaffMember } from "@/lib/staff/members.ts";
import assert from "node:assert/strict";
import { artifactPath, axeViolations, launchBrowser } from "@/tests/helpers/browser.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { TestClock } from "@/tests/helpers/services.ts";
import { CLIENT_ID, CLIENT_SECRET, startProvider } from "@/tests/staff/provider_helpers.ts";

const LOCALES = ["en", "es", "pl"] as const;
/** A real 1 × 1 PNG (an orange pixel), so the thumbnail renders. */
const PHOTO = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);
const WIDTHS = [390, 1280] as const;

function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

/** Controls smaller than 48 × 48 px (text links inside running text aside). */
async function smallTargets(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const out: string[] = [];
    for (
      const el of document.querySelectorAll<HTMLElement>(
        "button, select, input:not([type=hidden]), textarea, a",
      )
    ) {
      // A radio or checkbox is hit through its label, which is the target.
      const target = el.matches("input[type=radio], input[type=checkbox]")
        ? el.closest("label") ?? el
        : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // The skip link is off screen until focused; links inside a paragraph or table cell
      // of text are inline (WCAG 2.5.8's inline exception).
      if (el.classList.contains("skip-link") || el.closest("p, td, dd, li.st-crumbs__item")) {
        continue;
      }
      if (r.width < 48 || r.height < 48) {
        out.push(`${el.tagName} "${el.textContent?.trim().slice(0, 30)}" ${r.width}x${r.height}`);
      }
    }
    return out;
  });
}

async function overflow(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) {
      out.push(`page ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const el of document.querySelectorAll<HTMLElement>("main *")) {
      const r = el.getBoundingClientRect();
      // Wide tables scroll inside their own region; everything else fits.
      if (el.closest(".st-table-wrap")) continue;
      if (r.right > width + 1) out.push(`${el.tagName}.${el.className} right ${r.right}`);
    }
    return out.slice(0, 5);
  });
}

async function consoleData(p: Portal): Promise<{ ticket: string; letter: string }> {
  const s = p.services;
  const blobs = blobStoreFor(s);
  const png = await blobs.put(PHOTO, { contentType: "image/png", maxBytes: 1 << 20 });
  const { ticket } = await createTicket(s, blobs, {
    org: DEMO_ORG.slug,
    customer_ref: DEMO_CUSTOMER.ref,
    customer_name: DEMO_CUSTOMER.name,
    order_number: DEMO_ORDERS[0].number,
    issue_type: "damaged",
    description: "Two cases arrived crushed; the outer boxes are torn on one side.",
    contact_email: "buyer@retailstore.example",
    photos: [{
      blob_id: png.id,
      name: "photo-1.png",
      type: "image/png",
      size: png.size,
      sha256: png.sha256,
    }],
    locale: "es",
  });
  await createLink(s, DEMO_ORG.slug, DEMO_CUSTOMER.ref, {
    source: "staff_console",
    createdBy: { kind: "staff", email: "ana@acme.example" },
    recipientName: "Małgorzata Wiśniewska-Kowalczyk",
    recipientEmail: "m.wisniewska-kowalczyk@retailstore.example",
    label: "Warehouse, receiving dock 3",
  });
  await writeDeadLetter(s, {
    id: "01deadletterdemo",
    type: "email.send",
    org: DEMO_ORG.slug,
    attempt: 5,
    payload: { subject: "Your order portal link from ACME Manufacturing", to: ["x@example.com"] },
    error: "Resend 422 validation_error: Invalid `to` field.",
  });
  return { ticket: ticket.ticket_number, letter: "01deadletterdemo" };
}

Deno.test({
  name: "staff console in Chromium: OIDC sign-in round trip; every page at 390/1280 in en/es/pl",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const b = browser;

      await t.step(
        "OpenID Connect: protected page → sign-in → provider → back, signed in; sign-out",
        async () => {
          const provider = await startProvider();
          const portal = await startPortal({
            listen: true,
            clock: new TestClock(new Date()),
            env: {
              OIDC_ISSUER: provider.issuer,
              OIDC_CLIENT_ID: CLIENT_ID,
              OIDC_CLIENT_SECRET: CLIENT_SECRET,
              OIDC_TOKEN_AUTH_METHOD: "client_secret_post",
            },
            setup: (s) =>
              addStaffMember(s, { via: "cli" }, {
                org: DEMO_ORG.slug,
                email: "jane@acme.example",
                role: "support",
              }).then(() => {}),
          });
          try {
            const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
            const page = await context.newPage();
            page.setDefaultTimeout(10_000);
            const errors = watchErrors(page);
            await page.goto(`${portal.url}/staff/tickets?status=open`);
            assert.match(
              page.url(),
              /\/staff\/signin\?return_to=%2Fstaff%2Ftickets%3Fstatus%3Dopen$/,
            );
            assert.deepEqual(await page.locator("form[action='/staff/dev-signin']").count(), 0);
            await page.screenshot({ path: await artifactPath("staff-signin-oidc-1280.png") });
            const started = provider.tokenRequests;
            await Promise.all([
              page.waitForURL(/\/staff\/tickets\?status=open$/),
              page.locator("form[action='/staff/signin'] button").click(),
            ]);
            assert(provider.tokenRequests > started, "the code was redeemed at the provider");
            await page.getByRole("heading", { level: 1 }).waitFor();
            assert.match(await page.locator("body").innerText(), /jane@acme\.example|Jane Doe/);
            const cookies = await context.cookies();
            const session = cookies.find((c) => c.name === "__Host-mp_staff");
            assert(session, "a session cookie");
            assert.equal(session.httpOnly, true);
            assert.equal(session.secure, true);
            assert.equal(session.path, "/");
            assert(!cookies.some((c) => c.name === "__Host-mp_staff_signin"), "flow cookie gone");

            // Sign-out (a POST with the CSRF token) ends it: the console asks to sign in again.
            await Promise.all([
              page.waitForURL(/\/staff\/signin/),
              page.locator("form[action='/staff/signout'] button").first().click(),
            ]);
            await page.goto(`${portal.url}/staff/customers`);
            assert.match(page.url(), /\/staff\/signin\?return_to=%2Fstaff%2Fcustomers$/);
            assert.deepEqual(errors, []);
            await context.close();
          } finally {
            await portal.close();
            await provider.stop();
          }
        },
      );

      await t.step(
        "every console page: axe clean, fits 390 px, 48 px targets, en/es/pl",
        async () => {
          const portal = await startPortal({ listen: true, env: { DENO_ENV: "development" } });
          try {
            const { ticket, letter } = await consoleData(portal);
            const pages: Array<[string, string]> = [
              ["tickets", "/staff/tickets"],
              ["ticket", `/staff/tickets/${ticket}`],
              ["customers", `/staff/customers?q=retail`],
              ["customer", `/staff/customers/${DEMO_CUSTOMER.ref}`],
              ["integrations", "/staff/integrations"],
              ["logs", "/staff/logs"],
              ["dead-letters", "/staff/dead-letters"],
              ["dead-letter", `/staff/dead-letters/${letter}`],
              ["audit", "/staff/audit"],
              ["team", "/staff/team"],
            ];
            const problems: string[] = [];
            for (const width of WIDTHS) {
              const context = await b.newContext({ viewport: { width, height: 900 } });
              const page = await context.newPage();
              page.setDefaultTimeout(10_000);
              const errors = watchErrors(page);
              // The developer sign-in form: labelled as such, on this machine only.
              await page.goto(`${portal.url}/staff/signin`);
              assert.match(await page.locator("main").innerText(), /developer/i);
              await page.screenshot({ path: await artifactPath(`staff-signin-dev-${width}.png`) });
              for (const v of await axeViolations(page)) problems.push(`signin ${width}: ${v.id}`);
              await page.locator("select[name=role]").selectOption("admin");
              await Promise.all([
                page.waitForURL(/\/staff\/tickets/),
                page.locator("form[action='/staff/dev-signin'] button").click(),
              ]);
              for (const locale of LOCALES) {
                for (const [name, path] of pages) {
                  const sep = path.includes("?") ? "&" : "?";
                  const res = await page.goto(`${portal.url}${path}${sep}lang=${locale}`);
                  const where = `${name} ${locale} ${width}`;
                  if (res?.status() !== 200) problems.push(`${where}: ${res?.status()}`);
                  assert.equal(await page.locator("html").getAttribute("lang"), locale, where);
                  if ((await page.locator("form[action='/staff/signout']").count()) < 1) {
                    problems.push(`${where}: no sign-out control`);
                  }
                  await page.screenshot({
                    path: await artifactPath(`staff-${name}-${locale}-${width}.png`),
                    fullPage: true,
                  });
                  for (const o of await overflow(page)) problems.push(`${where}: ${o}`);
                  for (const s of await smallTargets(page)) problems.push(`${where}: small ${s}`);
                  if (locale === "en" || width === 390) {
                    for (const v of await axeViolations(page)) {
                      problems.push(`${where}: axe ${v.id} ${v.help}`);
                    }
                  }
                }
              }
              assert.deepEqual(errors, [], `console errors at ${width}`);
              await context.close();
            }
            assert.deepEqual(problems, []);
          } finally {
            await portal.close();
          }
        },
      );
    } finally {
      await browser?.close();
      await stopBundler();
    }
  },
});
