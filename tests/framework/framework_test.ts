/** The Fresh-conventions layer, on a fixture app (tests/fixtures/app) over real HTTP. */
import manifest from "@/tests/fixtures/app/fresh.gen.ts";
import { compareSpecificity, middlewareScope, patternFromFile } from "@/lib/framework/routes.ts";
import type { Manifest } from "@/lib/framework/types.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@/tests/helpers/assert.ts";
import { startTestServer } from "@/tests/helpers/server.ts";
import { stopBundler } from "@/lib/framework/bundle.ts";

const fixture = manifest as unknown as Manifest;

Deno.test("file paths map to URL patterns", () => {
  assertEquals(patternFromFile("./routes/index.tsx"), "/");
  assertEquals(patternFromFile("./routes/healthz.ts"), "/healthz");
  assertEquals(patternFromFile("./routes/customer/[token]/index.tsx"), "/customer/:token");
  assertEquals(
    patternFromFile("./routes/customer/[token]/orders/[order_id].tsx"),
    "/customer/:token/orders/:order_id",
  );
  assertEquals(patternFromFile("./routes/files/[...rest].ts"), "/files/*");
  assertEquals(middlewareScope("./routes/_middleware.ts"), "/");
  assertEquals(middlewareScope("./routes/customer/[token]/_middleware.ts"), "/customer/:token");
  const sorted = ["/items/:id", "/items/new", "/*", "/"].sort(compareSpecificity);
  assert(sorted.indexOf("/items/new") < sorted.indexOf("/items/:id"), "static before param");
  assert(sorted.indexOf("/*") > sorted.indexOf("/"), "catch-all last");
});

Deno.test("routes, params, methods, middleware, 404 and 500 over HTTP", async (t) => {
  const srv = await startTestServer({ manifest: fixture });
  try {
    await t.step("a page renders inside _app", async () => {
      const res = await srv.fetch("/");
      assertEquals(res.status, 200);
      const html = await res.text();
      assertMatch(html, /^<!DOCTYPE html><html lang="en">/);
      assertStringIncludes(html, "<h1>Plain page</h1>");
    });
    await t.step("a page without islands ships no script", async () => {
      const html = await (await srv.fetch("/")).text();
      assert(!html.includes("<script"), "no <script> on an island-free page");
    });
    await t.step("params are passed and the handler sets state", async () => {
      const html = await (await srv.fetch("/items/a%20b")).text();
      assertStringIncludes(html, "<p>Item a b</p>");
      assertStringIncludes(html, "<title>Item a b</title>");
    });
    await t.step("static segments win over params", async () => {
      assertStringIncludes(await (await srv.fetch("/items/new")).text(), "New item form");
    });
    await t.step("per-method handlers; 405 with Allow", async () => {
      const post = await srv.fetch("/items/7", { method: "POST" });
      assertEquals(post.status, 201);
      assertEquals(await post.json(), { posted: "7" });
      const del = await srv.fetch("/items/7", { method: "DELETE" });
      assertEquals(del.status, 405);
      assertEquals(del.headers.get("allow"), "GET, POST, HEAD");
      assertEquals((await del.json()).error.code, "method_not_allowed");
    });
    await t.step("HEAD is answered by GET without a body", async () => {
      const res = await srv.fetch("/", { method: "HEAD" });
      assertEquals(res.status, 200);
      assertEquals(await res.text(), "");
    });
    await t.step("a function handler takes every method", async () => {
      const res = await srv.fetch("/api/echo?q=x", { method: "PUT" });
      assertEquals(await res.json(), { method: "PUT", q: "x" });
    });
    await t.step("middleware runs outer folder first, in array order", async () => {
      const res = await srv.fetch("/admin");
      await res.body?.cancel();
      // Headers are appended on the way out, so the innermost appends first.
      assertEquals(res.headers.get("x-chain"), "admin-2, admin-1, root");
      const denied = await srv.fetch("/admin?deny=1");
      assertEquals(denied.status, 403);
      assertEquals(denied.headers.get("x-chain"), "root");
      await denied.body?.cancel();
      const outside = await srv.fetch("/items/1");
      await outside.body?.cancel();
      assertEquals(outside.headers.get("x-chain"), "root");
    });
    await t.step("_404 page for unknown pages, JSON 404 under /api", async () => {
      const res = await srv.fetch("/nope/nothing");
      assertEquals(res.status, 404);
      assertStringIncludes(await res.text(), "Fixture not found");
      const thrown = await srv.fetch("/items/missing");
      assertEquals(thrown.status, 404);
      assertStringIncludes(await thrown.text(), "Fixture not found");
      const api = await srv.fetch("/api/nothing");
      assertEquals(api.status, 404);
      assertEquals((await api.json()).error.code, "not_found");
    });
    await t.step("_500 page for an unhandled error, logged without the path", async () => {
      const res = await srv.fetch("/boom");
      assertEquals(res.status, 500);
      assertStringIncludes(await res.text(), "Fixture error 500");
      assert(srv.logs.some((l) => l.includes("kaboom")), "the error is logged");
    });
    await t.step("static files with ETag and 304", async () => {
      const res = await srv.fetch("/hello.txt");
      assertEquals(await res.text(), "hello static\n");
      const tag = res.headers.get("etag");
      assert(tag, "ETag present");
      assertMatch(res.headers.get("cache-control") ?? "", /max-age=/);
      const again = await srv.fetch("/hello.txt", { headers: { "if-none-match": tag } });
      assertEquals(again.status, 304);
      await again.body?.cancel();
    });
    await t.step(
      "escaped and traversal paths are a 404, never a 500 or a file outside static/",
      async () => {
        for (
          const path of [
            "/x/%23.js",
            "/%.js",
            "/api/x/%23.0",
            "/%2e%2e/%2e%2e/etc/passwd.txt",
            "/..%2f..%2fetc/passwd.txt",
            "/%ZZ",
          ]
        ) {
          const res = await srv.fetch(path);
          const body = await res.text();
          assert(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
          assert(!body.includes("root:"), `${path} leaked a file`);
        }
      },
    );
    await t.step("security headers on every response", async () => {
      for (const path of ["/", "/api/echo", "/nope", "/hello.txt"]) {
        const res = await srv.fetch(path);
        await res.body?.cancel();
        const csp = res.headers.get("content-security-policy") ?? "";
        assertMatch(csp, /script-src 'nonce-[A-Za-z0-9_-]+' 'strict-dynamic'/, path);
        assert(!/script-src[^;]*unsafe-inline/.test(csp), "no unsafe-inline scripts");
        assertStringIncludes(csp, "frame-ancestors 'none'");
        assertEquals(res.headers.get("referrer-policy"), "no-referrer");
        assertEquals(res.headers.get("x-content-type-options"), "nosniff");
        assertEquals(res.headers.get("strict-transport-security"), null, "no HSTS over http");
      }
      const https = await srv.fetch("/", { headers: { "x-forwarded-proto": "https" } });
      await https.body?.cancel();
      assertMatch(https.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
    });
    await t.step("an island page carries nonced module scripts with hashed names", async () => {
      const res = await srv.fetch("/counter");
      const html = await res.text();
      const nonce = (res.headers.get("content-security-policy") ?? "").match(/'nonce-([^']+)'/)
        ?.[1];
      const m = html.match(
        /<script type="module" src="(\/_fresh\/js\/Counter-[A-Z0-9]+\.js)" nonce="([^"]+)"/,
      );
      assert(m, "island script tag");
      assertEquals(m[2], nonce);
      assertStringIncludes(
        html,
        `<mp-island data-island="Counter" data-props="{&quot;start&quot;:3}">`,
      );
      const js = await srv.fetch(m[1]);
      assertEquals(js.status, 200);
      assertEquals(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assertMatch(js.headers.get("content-type") ?? "", /javascript/);
      await js.body?.cancel();
    });
    await t.step("request log lines carry the route pattern, not the path", () => {
      const lines = srv.logs.filter((l) => l.includes('"request"'));
      assert(lines.some((l) => l.includes('"route":"/items/:id"')), "pattern logged");
      assert(!lines.some((l) => l.includes("/items/a%20b")), "raw path not logged");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("unmatched paths log long segments redacted", async () => {
  const { redactPath } = await import("@/lib/log.ts");
  assertEquals(
    redactPath("/customer/mpl_abcdefghijklmnopqrstuvwxyz0123/x"),
    "/customer/:redacted/x",
  );
  assertEquals(redactPath("/healthz"), "/healthz");
});

Deno.test({
  name: "stop the bundler service",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await stopBundler();
  },
});
