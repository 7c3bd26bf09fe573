/**
 * The report form is not a mail relay, and storage has a ceiling (issue 10, items 6 and 10),
 * over real HTTP against the started portal:
 * - a page on another site cannot make a visitor's Chromium file a report, neither through
 *   the API nor through the no-JS form page, by form post or by `fetch` (the portal's own
 *   page, as a control, can);
 * - the confirmation email carries fixed text (never the description the sender typed), and
 *   past its daily bounds per link and per address the ticket is still made and support still
 *   mailed, but no confirmation goes out;
 * - a customer's daily photo quota answers 429 `quota_exceeded` with `Retry-After` before any
 *   photo is stored; reports without photos still go through; the next UTC day it is whole.
 */
import assert from "node:assert/strict";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { waitForQueueIdle } from "@/tests/helpers/services.ts";
import { fileBytes, form, type FormInput, GOOD, JPEG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";
const SUPPORT = "sales@acme.com";

const apiPath = (token: string) =>
  `/api/portal/customer/${encodeURIComponent(token)}/orders/${ORDER}/report-issue`;

async function ticketCount(portal: Portal): Promise<number> {
  return (await listTickets(portal.services.kv, DEMO_ORG.slug)).tickets.length;
}

async function blobCount(portal: Portal): Promise<number> {
  let n = 0;
  for (const p of ["blob", "blob_chunk", "blob_upload", "blob_unclaimed"]) {
    for await (const _ of portal.services.kv.list({ prefix: [p] })) n++;
  }
  return n;
}

async function report(portal: Portal, input: FormInput, token = portal.token) {
  const res = await portal.fetch(apiPath(token), { method: "POST", body: form(input) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** A page of another site (another host name: `localhost` against the portal's 127.0.0.1). */
function attackerSite(portalUrl: string, token: string) {
  const api = `${portalUrl}${apiPath(token)}`;
  const noJs = `${portalUrl}/customer/${encodeURIComponent(token)}/orders/${ORDER}/report`;
  const fields = `
    <input name="issue_type" value="damaged">
    <input name="description" value="Buy cheap watches at evil.example">
    <input name="contact_email" value="victim@elsewhere.example">`;
  const html = `<!doctype html><title>Win a prize</title>
    <form id="api" method="post" enctype="multipart/form-data" action="${api}">${fields}
      <button id="api-go">Claim</button></form>
    <form id="form" method="post" enctype="multipart/form-data" action="${noJs}">${fields}
      <button id="form-go">Claim</button></form>
    <script>
      globalThis.viaFetch = async () => {
        const fd = new FormData(document.getElementById("api"));
        await fetch(${JSON.stringify(api)}, { method: "POST", body: fd, mode: "no-cors",
          credentials: "include" });
        await fetch(${JSON.stringify(noJs)}, { method: "POST", body: fd, mode: "no-cors",
          credentials: "include" });
        return "sent";
      };
    </script>`;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://localhost:${port}/`, close: () => server.shutdown() };
}

Deno.test("a page on another site cannot file a report from a visitor's Chromium; the portal's own page can", async () => {
  const portal = await startPortal({ listen: true });
  const attacker = attackerSite(portal.url, portal.token);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    for (const button of ["#api-go", "#form-go"]) {
      await page.goto(attacker.url);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(portal.url)),
        page.click(button),
      ]);
      assert.deepEqual(answer.status(), 403, `${button}: a cross-site form post is refused`);
      const sent = await answer.request().allHeaders();
      assert.deepEqual(sent["origin"], new URL(attacker.url).origin, "the browser named the site");
    }
    await page.goto(attacker.url);
    assert.deepEqual(await page.evaluate("viaFetch()"), "sent");
    assert.deepEqual(await ticketCount(portal), 0, "nothing filed from the other site");
    assert.deepEqual(await blobCount(portal), 0);

    // Control: the same report from the portal's own page is accepted.
    await page.goto(`${portal.url}${portal.dashboard}`);
    const status = await page.evaluate(async (api: string) => {
      const fd = new FormData();
      fd.append("issue_type", "damaged");
      fd.append("description", "Two pallets arrived crushed.");
      fd.append("contact_email", "ops@retailstore.example");
      return (await fetch(api, { method: "POST", body: fd })).status;
    }, apiPath(portal.token));
    assert.deepEqual(status, 201);
    assert.deepEqual(await ticketCount(portal), 1);
  } finally {
    await browser.close();
    await attacker.close();
    await portal.close();
  }
});

Deno.test("confirmations: fixed text, bounded per link and per address per day; the tickets are still made", async () => {
  const portal = await startPortal({
    background: true,
    env: {
      REPORT_CONFIRMATIONS_PER_LINK_PER_DAY: "2",
      REPORT_CONFIRMATIONS_PER_ADDRESS_PER_DAY: "3",
    },
  });
  try {
    const typed = "Visit https://evil.example/prize now";
    const mk = (to: string): FormInput => ({ ...GOOD, description: typed, contact_email: to });
    // Link bound: the third report under one link gets no confirmation.
    for (const to of ["a@x.example", "b@x.example", "c@x.example"]) {
      assert.deepEqual((await report(portal, mk(to))).status, 201);
    }
    // Address bound: three more to one address under fresh links: only the first goes.
    const target = "victim@elsewhere.example";
    for (let i = 0; i < 4; i++) {
      const token = decodeURIComponent((await portal.linkFor(DEMO_CUSTOMER.ref)).split("/")[2]);
      assert.deepEqual((await report(portal, mk(target), token)).status, 201);
    }
    await waitForQueueIdle();
    assert.deepEqual(await ticketCount(portal), 7, "every report is a ticket");
    const mails = (await listOutbox(portal.services.kv, { limit: 100 })).entries;
    const support = mails.filter((m) => m.to[0] === SUPPORT);
    assert.deepEqual(support.length, 7, "support hears of every ticket");
    const to = (addr: string) => mails.filter((m) => m.to[0] === addr).length;
    assert.deepEqual(
      [to("a@x.example"), to("b@x.example"), to("c@x.example")],
      [1, 1, 0],
      "2 per link per day",
    );
    assert.deepEqual(to(target), 3, "3 per address per day, across links");
    for (const m of mails.filter((m) => m.to[0] !== SUPPORT)) {
      assert.ok(!m.text.includes("evil.example") && !m.html.includes("evil.example"), m.subject);
      assert.match(m.text, /ORD-008456/);
    }

    // The next UTC day the bounds are whole again.
    portal.clock.advance(24 * 3_600_000);
    assert.deepEqual((await report(portal, mk("c@x.example"))).status, 201);
    await waitForQueueIdle();
    const later = (await listOutbox(portal.services.kv, { limit: 100 })).entries;
    assert.deepEqual(later.filter((m) => m.to[0] === "c@x.example").length, 1);
  } finally {
    await portal.close();
  }
});

Deno.test("photo quota: over it a report with photos is 429 quota_exceeded with Retry-After and nothing is stored", async () => {
  const portal = await startPortal({
    listen: true,
    env: { PHOTO_QUOTA_FILES_PER_DAY: "3", PHOTO_QUOTA_MB_PER_DAY: "1" },
  });
  try {
    const photo = (seed: number, size = 100_000) => ({
      name: "crate.jpg",
      bytes: fileBytes(JPEG_SIG, size, seed),
    });
    assert.deepEqual((await report(portal, { ...GOOD, files: [photo(1), photo(2)] })).status, 201);
    const storedBefore = await blobCount(portal);

    // Files: two more would make four (the quota is three), also under another link.
    const other = decodeURIComponent((await portal.linkFor(DEMO_CUSTOMER.ref)).split("/")[2]);
    const over = await report(portal, { ...GOOD, files: [photo(3), photo(4)] }, other);
    assert.deepEqual(over.status, 429);
    assert.deepEqual(over.body.error.code, "quota_exceeded");
    const retry = Number(over.headers.get("retry-after"));
    assert.ok(retry > 0 && retry <= 86_400, `Retry-After ${retry}`);
    assert.deepEqual(await blobCount(portal), storedBefore, "no photo of the refused report kept");

    // Bytes: one photo of 1.5 MB passes the file count but not the megabytes.
    const big = await report(portal, { ...GOOD, files: [photo(5, 1_500_000)] });
    assert.deepEqual(big.status, 429);
    assert.deepEqual(await blobCount(portal), storedBefore);

    // A report without photos is never refused for photos; the third file still fits.
    assert.deepEqual((await report(portal, GOOD)).status, 201);
    assert.deepEqual((await report(portal, { ...GOOD, files: [photo(6)] })).status, 201);
    assert.deepEqual((await report(portal, { ...GOOD, files: [photo(7)] })).status, 429);
    assert.deepEqual(await ticketCount(portal), 3);

    portal.clock.advance(retry * 1000);
    assert.deepEqual((await report(portal, { ...GOOD, files: [photo(8)] })).status, 201);
  } finally {
    await portal.close();
  }
});
