/**
 * Report Issue through the whole portal: the real link middleware (token → customer), the
 * real admin API-key middleware, on the demo seed. Proves the scoping end to end: another
 * customer's link gets 404 for this order, a bad link 401, another org's key sees nothing.
 */
import { createApiKey } from "@/lib/access/api_keys.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import assert from "node:assert/strict";
import { startPortal } from "@/tests/helpers/portal.ts";
import { fileBytes, form, GOOD, JPEG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";

Deno.test("through the real middlewares: report, cross-customer 404, bad link 401, admin scoping", async () => {
  const portal = await startPortal({
    async setup(s) {
      const now = s.clock.now();
      await upsertCustomer(s.kv, "acme", "CUST-OTHER", {
        name: "Other Co.",
        email: "other@example.com",
      }, now);
      await upsertOrder(s.kv, "acme", "ORD-OTHER-1", {
        customer_ref: "CUST-OTHER",
        order_date: "2026-01-10",
        delivery_date: "2026-01-18",
        status: "processing",
        currency: "USD",
        delivery_address: "2 Side St",
        lines: [{ item_code: "Y-1", description: "Gadget", qty_ordered: "1", unit_price: "9.99" }],
      }, now);
      await createOrg(s.kv, {
        slug: "globex",
        name: "Globex",
        support_email: "help@globex.example",
        support_phone: "555-0100",
      }, now);
    },
  });
  try {
    const api = (path: string) => `/api/portal/customer/${encodeURIComponent(portal.token)}${path}`;
    const photo = fileBytes(JPEG_SIG, 150_000, 4);
    const ok = await portal.fetch(api(`/orders/${ORDER}/report-issue`), {
      method: "POST",
      body: form({ ...GOOD, files: [{ name: "../../etc/passwd", bytes: photo }] }),
    });
    assert.deepEqual(ok.status, 201);
    assert.deepEqual(ok.headers.get("cache-control"), "no-store");
    const { ticket_number } = await ok.json();
    assert.match(ticket_number, /^TKT-\d{4}-000001$/);

    // Another customer's working link, this customer's order: 404, and nothing is created.
    const other = (await portal.linkFor("CUST-OTHER")).split("/")[2];
    const cross = await portal.fetch(
      `/api/portal/customer/${other}/orders/${ORDER}/report-issue`,
      { method: "POST", body: form(GOOD) },
    );
    assert.deepEqual(cross.status, 404);
    assert.deepEqual((await cross.json()).error.code, "not_found");
    const bad = await portal.fetch(
      `/api/portal/customer/mpl_not-a-real-link/orders/${ORDER}/report-issue`,
      { method: "POST", body: form(GOOD) },
    );
    assert.deepEqual(bad.status, 401);
    assert.deepEqual((await bad.json()).error.code, "link_invalid");

    // The org's operators see the ticket and the photo; another org's key sees nothing.
    const now = portal.services.clock.now();
    const { key } = await createApiKey(portal.services.kv, "acme", now);
    const { key: globexKey } = await createApiKey(portal.services.kv, "globex", now);
    const auth = (k: string) => ({ headers: { authorization: `Bearer ${k}` } });
    const list = await (await portal.fetch("/api/admin/v1/tickets", auth(key))).json();
    assert.deepEqual(list.tickets.map((t: { ticket_number: string }) => t.ticket_number), [
      ticket_number,
    ]);
    assert.deepEqual(list.tickets[0].customer_ref, "CUST-RS-2026-045");
    assert.deepEqual(list.next_cursor, null);
    const res = await portal.fetch(`/api/admin/v1/tickets/${ticket_number}/photos/1`, auth(key));
    assert.deepEqual(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), photo);
    const theirs = await portal.fetch(`/api/admin/v1/tickets/${ticket_number}`, auth(globexKey));
    assert.deepEqual(theirs.status, 404);
    await theirs.body?.cancel();
    const empty = await (await portal.fetch("/api/admin/v1/tickets", auth(globexKey))).json();
    assert.deepEqual(empty.tickets, []);
    const noKey = await portal.fetch("/api/admin/v1/tickets");
    assert.deepEqual(noKey.status, 401);
    await noKey.body?.cancel();
  } finally {
    await portal.close();
  }
});

Deno.test("admin ticket list: newest first, cursor pages, bad cursor 400, bad limit 422", async () => {
  const portal = await startPortal({ env: { RATE_LIMIT_PER_HOUR: "10000" } });
  try {
    const api = `/api/portal/customer/${
      encodeURIComponent(portal.token)
    }/orders/${ORDER}/report-issue`;
    for (let i = 0; i < 5; i++) {
      const r = await portal.fetch(api, { method: "POST", body: form(GOOD) });
      assert.deepEqual(r.status, 201);
      await r.body?.cancel();
    }
    const { key } = await createApiKey(portal.services.kv, "acme", portal.services.clock.now());
    const h = { headers: { authorization: `Bearer ${key}` } };
    const seen: string[] = [];
    let cursor = "";
    for (let page = 0; page < 5; page++) {
      const q = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const body = await (await portal.fetch(`/api/admin/v1/tickets${q}`, h)).json();
      seen.push(...body.tickets.map((t: { ticket_number: string }) => t.ticket_number));
      if (!body.next_cursor) break;
      cursor = body.next_cursor;
    }
    const year = portal.services.clock.now().getUTCFullYear();
    assert.deepEqual(seen, [5, 4, 3, 2, 1].map((n) => `TKT-${year}-00000${n}`));
    const badCursor = await portal.fetch("/api/admin/v1/tickets?cursor=%%%", h);
    assert.deepEqual(badCursor.status, 400);
    await badCursor.body?.cancel();
    const badLimit = await portal.fetch("/api/admin/v1/tickets?limit=1000", h);
    assert.deepEqual(badLimit.status, 422);
    await badLimit.body?.cancel();
  } finally {
    await portal.close();
  }
});
