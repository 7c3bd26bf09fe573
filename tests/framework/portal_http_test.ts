/**
 * What the portal adds around the framework, in-process: the one error path (the contract's
 * JSON under /api, the `_error` page elsewhere, unexpected errors logged without the path),
 * security headers on every answer (error pages and static files included) with the island
 * scripts' nonce, and request log lines that carry the route pattern.
 */
import assert from "node:assert/strict";
import { createPortalApp, manifest } from "@/lib/app.ts";
import { redactPath } from "@/lib/log.ts";
import { define } from "@/lib/state.ts";
import { startPortal } from "@/tests/helpers/portal.ts";
import { startTestServer } from "@/tests/helpers/server.ts";

/** The portal with one route that fails unexpectedly (`/boom`, `/api/boom`). */
const boom = { handler: define.handlers({ GET: () => Promise.reject(new Error("kaboom")) }) };
const withBoom = {
  ...manifest,
  routes: { ...manifest.routes, "./routes/boom.ts": boom, "./routes/api/boom.ts": boom },
};

Deno.test("the portal's error path, headers and log lines", async (t) => {
  const srv = await startTestServer({
    app: (s) => createPortalApp(s, { manifest: withBoom }).then((a) => a.fetch),
    // In-process requests come from loopback: the portal behind a proxy on this machine.
    env: { TRUSTED_PROXIES: "loopback" },
  });
  try {
    await t.step("JSON 404 under /api, the _error page elsewhere", async () => {
      const api = await srv.fetch("/api/nothing");
      assert.deepEqual(api.status, 404);
      assert.deepEqual(await api.json(), {
        error: { code: "not_found", message: "No such endpoint." },
      });
      const page = await srv.fetch("/nope/nothing");
      assert.deepEqual(page.status, 404);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      assert.match(await page.text(), /Page not found/);
    });
    await t.step("405 with Allow, as the contract's JSON error", async () => {
      const del = await srv.fetch("/healthz", { method: "DELETE" });
      assert.deepEqual(del.status, 405);
      assert.deepEqual(del.headers.get("allow"), "GET, HEAD");
      assert.deepEqual((await del.json()).error.code, "method_not_allowed");
    });
    await t.step(
      "an unhandled error is a 500 that says nothing, logged without the path",
      async () => {
        const res = await srv.fetch("/boom");
        assert.deepEqual(res.status, 500);
        assert.match(await res.text(), /Something went wrong/);
        const api = await srv.fetch("/api/boom");
        assert.deepEqual(api.status, 500);
        assert.deepEqual((await api.json()).error.code, "internal_error");
        const line = srv.logs.find((l) => l.includes("kaboom"));
        assert(line, "the error is logged");
        assert.match(line, /"route":"\/boom"/);
      },
    );
    await t.step("security headers on every response", async () => {
      for (const path of ["/", "/api/nothing", "/nope", "/styles.css", "/boom"]) {
        const res = await srv.fetch(path);
        await res.body?.cancel();
        const csp = res.headers.get("content-security-policy") ?? "";
        assert.match(csp, /script-src 'nonce-[A-Za-z0-9_-]+' 'strict-dynamic'/, path);
        assert(!/script-src[^;]*unsafe-inline/.test(csp), "no unsafe-inline scripts");
        assert.match(csp, /frame-ancestors 'none'/);
        assert.deepEqual(res.headers.get("referrer-policy"), "no-referrer");
        assert.deepEqual(res.headers.get("x-content-type-options"), "nosniff");
        assert.deepEqual(res.headers.get("strict-transport-security"), null, "no HSTS over http");
      }
      const https = await srv.fetch("/", { headers: { "x-forwarded-proto": "https" } });
      await https.body?.cancel();
      assert.match(https.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
    });
    await t.step("request log lines carry the route pattern, not the path", async () => {
      const res = await srv.fetch("/customer/mpl_notarealtoken0000000000000000/orders/ORD-1");
      await res.body?.cancel();
      const lines = srv.logs.filter((l) => l.includes('"request"'));
      assert(lines.some((l) => l.includes('"route":"/customer/:token/orders/:order_id"')));
      assert(!lines.some((l) => l.includes("mpl_notarealtoken")), "raw path not logged");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("an island page's module scripts carry the CSP's nonce", async () => {
  const p = await startPortal();
  try {
    const res = await p.fetch(`${p.dashboard}/orders/ORD-008456`);
    const html = await res.text();
    const nonce = (res.headers.get("content-security-policy") ?? "").match(/'nonce-([^']+)'/)?.[1];
    const scripts = [...html.matchAll(/<script type="module" src="([^"]+)" nonce="([^"]+)"/g)];
    assert(scripts.length > 0, "island scripts");
    for (const s of scripts) assert.deepEqual(s[2], nonce);
  } finally {
    await p.close();
  }
});

Deno.test("unmatched paths log long segments redacted", () => {
  assert.deepEqual(
    redactPath("/customer/mpl_abcdefghijklmnopqrstuvwxyz0123/x"),
    "/customer/:redacted/x",
  );
  assert.deepEqual(redactPath("/healthz"), "/healthz");
});
