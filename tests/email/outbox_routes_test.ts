/** /dev/outbox over real HTTP (development only) and the org-scoped dead-letter endpoint. */
import { registerEmailHandlers, sendEmail } from "@/lib/email/send.ts";
import { createApiKey } from "@/lib/access/api_keys.ts";
import type { Org } from "@/lib/orders/model.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import {
  enqueue,
  PermanentError,
  registerQueueHandler,
  startQueueListener,
} from "@/lib/queue/queue.ts";
import { waitForQueueIdle } from "@/tests/helpers/services.ts";
import { EMAIL_VIEW_CSP } from "@/routes/dev/outbox/[id].ts";
import assert from "node:assert/strict";
import { startTestServer } from "@/tests/helpers/server.ts";

const MAGIC = "https://portal.example/customer/mp_abc?x=1&y=2";

Deno.test("dev outbox lists emails newest first and serves each HTML part under a strict CSP", async () => {
  const server = await startTestServer();
  registerEmailHandlers();
  const listener = startQueueListener(server.services, { retry: { retryDelaysMs: [1] } });
  try {
    await sendEmail(server.services, {
      to: "ops@retailstore.example",
      subject: "First <email>",
      html: "<p>first</p>",
      text: `Open: ${MAGIC}`,
      idempotencyKey: "dev/1",
    });
    await waitForQueueIdle(); // the outbox orders by delivery, so deliver one at a time
    await sendEmail(server.services, {
      to: "b@example.com",
      subject: "Second",
      html: "<p style='color:red'>second</p><script>alert(1)</script>",
      text: "second",
      idempotencyKey: "dev/2",
    });
    await waitForQueueIdle();

    const res = await server.fetch("/dev/outbox");
    assert.deepEqual(res.status, 200);
    assert.deepEqual(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(res.headers.get("x-robots-tag"), "noindex");
    const page = await res.text();
    assert(page.indexOf("Second") < page.indexOf("First &lt;email"), "newest first");
    assert.match(page, /ops@retailstore\.example/);
    assert.ok(
      page.includes(`href="${MAGIC.replace(/&/g, "&amp;")}"`),
      `missing ${`href="${MAGIC.replace(/&/g, "&amp;")}"`}`,
    );
    const ids = [...page.matchAll(/href="\/dev\/outbox\/([0-9a-z]{23})"/g)].map((m) => m[1]);
    assert.deepEqual(ids.length, 2);

    const view = await server.fetch(`/dev/outbox/${ids[0]}`);
    assert.deepEqual(view.status, 200);
    assert.deepEqual(view.headers.get("content-security-policy"), EMAIL_VIEW_CSP);
    assert.match(view.headers.get("content-type") ?? "", /^text\/html/);
    assert.deepEqual(await view.text(), "<p style='color:red'>second</p><script>alert(1)</script>");

    const missing = await server.fetch("/dev/outbox/0000000000000000000000000");
    assert.deepEqual(missing.status, 404);
    await missing.body?.cancel();
    const badCursor = await server.fetch("/dev/outbox?cursor=%00nonsense");
    assert.deepEqual(badCursor.status, 400);
    await badCursor.body?.cancel();
  } finally {
    await server.close();
    await listener;
  }
});

Deno.test("in production /dev/outbox does not exist", async () => {
  const server = await startTestServer({ env: { DENO_ENV: "production" } });
  try {
    await server.services.kv.set(["outbox", "0mwyefm6v0000e544d17438"], { html: "<p>x</p>" });
    for (const path of ["/dev/outbox", "/dev/outbox/0mwyefm6v0000e544d17438"]) {
      const res = await server.fetch(path);
      assert.deepEqual(res.status, 404, path);
      assert.deepEqual((await res.text()).includes("<p>x</p>"), false);
    }
  } finally {
    await server.close();
  }
});

const acme: Org = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.com",
  support_phone: "(555) 123-4567",
  created_at: "2026-01-01T00:00:00Z",
};

Deno.test("dead-letter endpoint: only the caller's org, newest first, paged; 401 without a key", async () => {
  const server = await startTestServer();
  registerQueueHandler("test.rejected", () => Promise.reject(new PermanentError("rejected")));
  const listener = startQueueListener(server.services, { retry: { retryDelaysMs: [1] } });
  try {
    for (const org of ["acme", "acme", "acme", "globex"]) {
      await enqueue(server.services, "test.rejected", { org });
    }
    await waitForQueueIdle();
    const { created_at: _c, ...org } = acme;
    await createOrg(server.services.kv, org, server.clock.now());
    const { key } = await createApiKey(server.services.kv, "acme", server.clock.now());
    const get = async (query: string, adminOrg?: Org) => {
      const headers: Record<string, string> = adminOrg ? { authorization: `Bearer ${key}` } : {};
      const res = await server.fetch(`/api/admin/v1/dead-letters${query}`, { headers });
      if (!res.ok) throw Object.assign(new Error(await res.text()), { status: res.status });
      return res;
    };
    const first = await (await get("?limit=2", acme)).json();
    assert.deepEqual(first.dead_letters.length, 2);
    assert(first.dead_letters.every((d: { org: string }) => d.org === "acme"));
    assert(first.next_cursor);
    const second = await (await get(`?limit=2&cursor=${first.next_cursor}`, acme)).json();
    assert.deepEqual(second.dead_letters.length, 1);
    assert.deepEqual(second.next_cursor, null);
    assert(first.dead_letters[0].id > second.dead_letters[0].id, "newest first");

    for (
      const [query, org, status] of [["", undefined, 401], ["?limit=0", acme, 422], [
        "?cursor=zz",
        acme,
        400,
      ]] as const
    ) {
      try {
        await get(query, org);
        throw new Error(`expected ${status}`);
      } catch (err) {
        assert("status" in (err as object), String(err));
        assert.deepEqual((err as { status: number }).status, status, query);
      }
    }

    // Over HTTP, without the admin middleware's key there is no listing either.
    const res = await server.fetch("/api/admin/v1/dead-letters");
    assert.deepEqual(res.status, 401);
    await res.body?.cancel();
  } finally {
    await server.close();
    await listener;
  }
});
