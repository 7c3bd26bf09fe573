/** /dev/outbox over real HTTP (development only) and the org-scoped dead-letter endpoint. */
import { registerEmailHandlers, sendEmail } from "@/lib/email/send.ts";
import type { RouteContext } from "@/lib/framework/types.ts";
import { HttpError } from "@/lib/http/errors.ts";
import type { Org } from "@/lib/orders/model.ts";
import {
  enqueue,
  PermanentError,
  registerQueueHandler,
  startQueueListener,
  waitForQueueIdle,
} from "@/lib/queue/queue.ts";
import { EMAIL_VIEW_CSP } from "@/routes/dev/outbox/[id].ts";
import { handler as deadLetters } from "@/routes/api/admin/v1/dead-letters.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@/tests/helpers/assert.ts";
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
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("cache-control"), "no-store");
    assertEquals(res.headers.get("x-robots-tag"), "noindex");
    const page = await res.text();
    assert(page.indexOf("Second") < page.indexOf("First &lt;email"), "newest first");
    assertStringIncludes(page, "ops@retailstore.example");
    assertStringIncludes(page, `href="${MAGIC.replace(/&/g, "&amp;")}"`);
    const ids = [...page.matchAll(/href="\/dev\/outbox\/([0-9a-z]{23})"/g)].map((m) => m[1]);
    assertEquals(ids.length, 2);

    const view = await server.fetch(`/dev/outbox/${ids[0]}`);
    assertEquals(view.status, 200);
    assertEquals(view.headers.get("content-security-policy"), EMAIL_VIEW_CSP);
    assertMatch(view.headers.get("content-type") ?? "", /^text\/html/);
    assertEquals(await view.text(), "<p style='color:red'>second</p><script>alert(1)</script>");

    const missing = await server.fetch("/dev/outbox/0000000000000000000000000");
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
    const badCursor = await server.fetch("/dev/outbox?cursor=%00nonsense");
    assertEquals(badCursor.status, 400);
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
      assertEquals(res.status, 404, path);
      assertEquals((await res.text()).includes("<p>x</p>"), false);
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
    const get = async (query: string, adminOrg?: Org) => {
      const url = new URL(`${server.url}/api/admin/v1/dead-letters${query}`);
      const ctx = { url, state: { locale: "en", nonce: "", adminOrg }, services: server.services };
      return await deadLetters.GET!(ctx as unknown as RouteContext);
    };
    const first = await (await get("?limit=2", acme)).json();
    assertEquals(first.dead_letters.length, 2);
    assert(first.dead_letters.every((d: { org: string }) => d.org === "acme"));
    assert(first.next_cursor);
    const second = await (await get(`?limit=2&cursor=${first.next_cursor}`, acme)).json();
    assertEquals(second.dead_letters.length, 1);
    assertEquals(second.next_cursor, null);
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
        assert(err instanceof HttpError, String(err));
        assertEquals(err.status, status, query);
      }
    }

    // Over HTTP, without the admin middleware's key there is no listing either.
    const res = await server.fetch("/api/admin/v1/dead-letters");
    assertEquals(res.status, 401);
    await res.body?.cancel();
  } finally {
    await server.close();
    await listener;
  }
});
