/**
 * The no-JS Report Issue page through the real portal (tests/pages/portal_fixture.ts):
 * the form, its per-field errors with the values kept, the redirect to the success
 * message, one ticket per hidden idempotency key, and the 404 for an order not in scope.
 */
import assert from "node:assert/strict";
import { startPortal } from "@/tests/helpers/portal.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { fileBytes, PNG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";

Deno.test("no-JS form page: errors next to fields, values kept, then 303 to the success message", async () => {
  const portal = await startPortal();
  try {
    const page = `${portal.dashboard}/orders/${ORDER}/report`;
    const get = await portal.fetch(page);
    assert.deepEqual(get.status, 200);
    const html = await get.text();
    assert.match(html, /enctype="multipart\/form-data"/);
    assert.match(html, /value="ops@retailstore\.example"/);
    const key = html.match(/name="idempotency_key" value="([^"]+)"/)?.[1];
    assert(key, "a hidden idempotency key");
    // Without a script nothing counts: the limits are said instead of a counter stuck at 0,
    // and the browser's own file input (no styled picker that would need a script).
    assert.match(html, /At least 10 and at most 1000 characters\./);
    assert(!/0 \/ 1000/.test(html), "a frozen counter");
    assert(!/ri-picker/.test(html));

    const bad = new FormData();
    bad.append("idempotency_key", key);
    bad.append("issue_type", "damaged");
    bad.append("description", "too short");
    bad.append("contact_email", "ops@retailstore.example");
    bad.append("photos", new File([], "", { type: "application/octet-stream" }));
    const r1 = await portal.fetch(page, { method: "POST", body: bad });
    assert.deepEqual(r1.status, 422);
    const errHtml = await r1.text();
    assert.match(errHtml, /Describe the issue in at least 10 characters\./);
    assert.match(errHtml, /aria-invalid="true"/);
    assert.match(errHtml, /aria-describedby="ri-description-count ri-description-err"/);
    assert.match(errHtml, />too short<\/textarea>/);
    assert.ok(errHtml.includes(`value="${key}"`), `missing ${`value="${key}"`}`);

    const good = new FormData();
    good.append("idempotency_key", key);
    good.append("issue_type", "missing");
    good.append("description", "One carton of widgets is missing.");
    good.append("contact_email", "ops@retailstore.example");
    good.append("photos", new File([fileBytes(PNG_SIG, 3000) as BlobPart], "x.png"));
    const r2 = await portal.fetch(page, { method: "POST", body: good });
    assert.deepEqual(r2.status, 303);
    const location = r2.headers.get("location")!;
    assert.match(location, /\/report\?ticket=TKT-\d{4}-000001$/);
    const done = await portal.fetch(location);
    assert.deepEqual(done.status, 200);
    const doneHtml = await done.text();
    assert.match(doneHtml, /Issue reported\. We'll contact you within 24 hours\./);
    assert.match(doneHtml, /role="status"/);

    // Submitting the same form again (double click, back + resubmit): the same ticket.
    const again = await portal.fetch(page, { method: "POST", body: good });
    assert.deepEqual(again.headers.get("location"), location);
    const { tickets } = await listTickets(portal.services.kv, "acme");
    assert.deepEqual(tickets.length, 1);
    assert.deepEqual(tickets[0].photos.length, 1);
  } finally {
    await portal.close();
  }
});

Deno.test("no-JS form page: Spanish, 404 for an unknown order, a foreign ticket number is not shown", async () => {
  const portal = await startPortal();
  try {
    const es = await portal.fetch(`${portal.dashboard}/orders/${ORDER}/report?lang=es`);
    assert.match(await es.text(), /Informar de un problema con el pedido/);
    const missing = await portal.fetch(`${portal.dashboard}/orders/ORD-NOPE/report`);
    assert.deepEqual(missing.status, 404);
    await missing.body?.cancel();
    const post = await portal.fetch(`${portal.dashboard}/orders/ORD-NOPE/report`, {
      method: "POST",
      body: new FormData(),
    });
    assert.deepEqual(post.status, 404);
    await post.body?.cancel();
    const foreign = await portal.fetch(
      `${portal.dashboard}/orders/${ORDER}/report?ticket=TKT-2026-000001`,
    );
    const html = await foreign.text();
    assert(!html.includes("Issue reported."), "no success message for a ticket that isn't theirs");
    assert.match(html, /<form/);
  } finally {
    await portal.close();
  }
});
