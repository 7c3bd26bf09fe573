/**
 * An Idempotency-Key means one request (issue 10, item 5), over real HTTP against the portal
 * with its real link middleware: the same key and the same request get the first answer
 * again (same status, same body); the same key with another order, description, photo or
 * link is 422 `idempotency_key_reused` and stores nothing; concurrent requests with one key
 * make one ticket. The no-JS form's hidden key follows the same rule.
 */
import assert from "node:assert/strict";
import { listTickets } from "@/lib/issues/tickets.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { DEMO_CUSTOMER } from "@/lib/seed/demo_data.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { fileBytes, form, type FormInput, GOOD, JPEG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";
const OTHER_ORDER = "ORD-008457";

async function portalWithTwoOrders(): Promise<Portal> {
  return await startPortal({
    listen: true,
    async setup(s) {
      await upsertOrder(s.kv, "acme", OTHER_ORDER, {
        customer_ref: DEMO_CUSTOMER.ref,
        order_date: "2026-01-10",
        delivery_date: "2026-01-18",
        status: "processing",
        currency: "USD",
        delivery_address: "1 Main St",
        lines: [{ item_code: "X-1", description: "Widget", qty_ordered: "2", unit_price: "3.50" }],
      }, s.clock.now());
    },
  });
}

function reportUrl(portal: Portal, order = ORDER, token = portal.token) {
  return `/api/portal/customer/${encodeURIComponent(token)}/orders/${order}/report-issue`;
}

async function send(
  portal: Portal,
  key: string,
  input: FormInput,
  opts: { order?: string; token?: string } = {},
): Promise<{ status: number; text: string }> {
  const res = await portal.fetch(reportUrl(portal, opts.order, opts.token), {
    method: "POST",
    body: form(input),
    headers: { "idempotency-key": key },
  });
  return { status: res.status, text: await res.text() };
}

/** Everything a report can leave in KV: tickets, photos and their pieces, usage counters. */
async function stored(portal: Portal): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (
    const p of ["tickets", "ticket_idem", "blob", "blob_chunk", "blob_upload", "blob_unclaimed"]
  ) {
    out[p] = 0;
    for await (const _ of portal.services.kv.list({ prefix: [p] })) out[p]++;
  }
  return out;
}

const photo = (seed: number) => ({ name: "crate.jpg", bytes: fileBytes(JPEG_SIG, 90_000, seed) });

Deno.test("same key + same request → the first answer again; same key + another request → 422, nothing stored", async () => {
  const portal = await portalWithTwoOrders();
  try {
    const key = crypto.randomUUID();
    const report: FormInput = { ...GOOD, files: [photo(1)] };
    const first = await send(portal, key, report);
    assert.deepEqual(first.status, 201);
    const again = await send(portal, key, report);
    assert.deepEqual(again, first, "the same status and the same body");
    const after = await stored(portal);
    assert.deepEqual(after.tickets, 1);

    const variants: Array<[string, FormInput, { order?: string; token?: string }]> = [
      ["another order", report, { order: OTHER_ORDER }],
      ["another description", { ...report, description: "Three pallets arrived wet." }, {}],
      ["another issue type", { ...report, issue_type: "missing" }, {}],
      ["another contact", { ...report, contact_email: "someone@else.example" }, {}],
      ["another photo", { ...report, files: [photo(2)] }, {}],
      ["one photo fewer", { ...report, files: [] }, {}],
      ["another link of the same customer", report, {
        token: decodeURIComponent((await portal.linkFor(DEMO_CUSTOMER.ref)).split("/")[2]),
      }],
    ];
    for (const [what, input, opts] of variants) {
      const res = await send(portal, key, input, opts);
      assert.deepEqual(res.status, 422, what);
      const body = JSON.parse(res.text);
      assert.deepEqual(body.error.code, "idempotency_key_reused", what);
      assert.match(body.error.message, /already used to send a different report/, what);
      assert.deepEqual(await stored(portal), after, `nothing stored for ${what}`);
    }
    // Still the first answer for the first request, and a new key is a new report.
    assert.deepEqual(await send(portal, key, report), first);
    const other = await send(portal, crypto.randomUUID(), report, { order: OTHER_ORDER });
    assert.deepEqual(other.status, 201);
    assert.notDeepEqual(JSON.parse(other.text).ticket_number, JSON.parse(first.text).ticket_number);
  } finally {
    await portal.close();
  }
});

Deno.test("concurrent requests with one key make one ticket; with one key and two bodies, one wins and the other is 422", async () => {
  const portal = await portalWithTwoOrders();
  try {
    const key = crypto.randomUUID();
    const report: FormInput = { ...GOOD, files: [photo(3)] };
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(portal, key, report)));
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(201));
    assert.deepEqual(new Set(answers.map((a) => a.text)).size, 1, "one ticket number for all");
    const { tickets } = await listTickets(portal.services.kv, "acme");
    assert.deepEqual(tickets.length, 1);
    const left = await stored(portal);
    assert.deepEqual([left.blob, left.blob_upload, left.blob_unclaimed], [1, 0, 0]);

    const raced = crypto.randomUUID();
    const [a, b] = await Promise.all([
      send(portal, raced, report),
      send(portal, raced, report, { order: OTHER_ORDER }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [201, 422]);
    assert.deepEqual((await listTickets(portal.services.kv, "acme")).tickets.length, 2);
    const end = await stored(portal);
    assert.deepEqual([end.blob, end.blob_upload, end.blob_unclaimed], [2, 0, 0]);
  } finally {
    await portal.close();
  }
});

Deno.test("no-JS form: the hidden key sent again with another report is refused with a new key to send it with", async () => {
  const portal = await portalWithTwoOrders();
  try {
    const page = `${portal.dashboard}/orders/${ORDER}/report`;
    const key = crypto.randomUUID();
    const post = (input: FormInput) =>
      portal.fetch(page, { method: "POST", body: form({ ...input, idempotency_key: key }) });
    const first = await post(GOOD);
    assert.deepEqual(first.status, 303);
    const location = first.headers.get("location");
    const again = await post(GOOD);
    assert.deepEqual([again.status, again.headers.get("location")], [303, location]);
    const other = await post({ ...GOOD, description: "Something else entirely broke." });
    assert.deepEqual(other.status, 422);
    const html = await other.text();
    assert.match(html, /already used to send a different report/);
    const newKey = html.match(/name="idempotency_key" value="([^"]+)"/)?.[1];
    assert.ok(newKey && newKey !== key, "the form comes back with a new key");
    assert.ok(html.includes("Something else entirely broke."), "the text is kept");
    const resent = await portal.fetch(page, {
      method: "POST",
      body: form({
        ...GOOD,
        description: "Something else entirely broke.",
        idempotency_key: newKey,
      }),
    });
    assert.deepEqual(resent.status, 303);
    assert.deepEqual((await listTickets(portal.services.kv, "acme")).tickets.length, 2);
  } finally {
    await portal.close();
  }
});
