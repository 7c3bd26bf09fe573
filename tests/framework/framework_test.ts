/**
 * The Fresh 2 layer on a fixture app written as Fresh 2's docs write one (tests/fixtures/app:
 * `define.handlers` + `define.page`, `page()`, a `_layout`, an `_error` page, middleware using
 * `ctx.next()` and `ctx.state`), in-process through `app.handler()`.
 */
import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { createDefine, page } from "fresh";
import { compareSpecificity, compilePattern, patternFromFile } from "@/lib/framework/router.ts";
import { stopBundler } from "fresh/dev";
import { startTestServer } from "@/tests/helpers/server.ts";
import { fixtureHandler } from "./fixture_helpers.ts";

Deno.test("file paths map to URL patterns, most specific first", () => {
  assert.deepEqual(patternFromFile("./routes/index.tsx"), "/");
  assert.deepEqual(patternFromFile("./routes/healthz.ts"), "/healthz");
  assert.deepEqual(patternFromFile("./routes/customer/[token]/index.tsx"), "/customer/:token");
  assert.deepEqual(
    patternFromFile("./routes/customer/[token]/orders/[order_id].tsx"),
    "/customer/:token/orders/:order_id",
  );
  assert.deepEqual(patternFromFile("./routes/files/[...rest].ts"), "/files/*");
  const sorted = ["/items/:id", "/items/new", "/*", "/"].sort(compareSpecificity);
  assert(sorted.indexOf("/items/new") < sorted.indexOf("/items/:id"), "static before param");
  assert(sorted.indexOf("/*") > sorted.indexOf("/"), "catch-all last");
  assert.deepEqual(compilePattern("/a/:id").exec("/a/x%20y"), { id: "x%20y" });
  assert.deepEqual(compilePattern("/a/:id").exec("/a/x/y"), null);
});

Deno.test("define.* and page() are Fresh 2's shapes", () => {
  const define = createDefine<{ n: number }>();
  const handler = define.handlers({ GET: () => page({ a: 1 }, { status: 201 }) });
  assert.deepEqual(handler.GET(), { data: { a: 1 }, status: 201, headers: undefined });
  assert.deepEqual(page(), { data: undefined, status: undefined, headers: undefined });
  // The page's `data` is typed from the handler (`data.a` is a number here).
  const Page = define.page<typeof handler>(({ data }) => h("p", null, data.a.toFixed(1)));
  assert.equal(renderToString(h(Page, { data: { a: 2 } } as never)), "<p>2.0</p>");
});

Deno.test("routes, params, methods, middleware, layouts and _error, as Fresh 2 answers", async (t) => {
  const srv = await startTestServer({ app: fixtureHandler });
  try {
    await t.step("a page renders inside _app", async () => {
      const res = await srv.fetch("/");
      assert.deepEqual(res.status, 200);
      const html = await res.text();
      assert.match(html, /^<!DOCTYPE html><html lang="en">/);
      assert.match(html, /<h1>Plain page<\/h1>/);
    });
    await t.step("a page without islands ships no script", async () => {
      const html = await (await srv.fetch("/")).text();
      assert(!html.includes("<script"), "no <script> on an island-free page");
    });
    await t.step(
      "params are passed, the handler sets state, the folder's _layout wraps",
      async () => {
        const html = await (await srv.fetch("/items/a%20b")).text();
        assert.match(html, /<div class="items"><nav>All items<\/nav><p>Item a b<\/p><\/div>/);
        assert.match(html, /<title>Item a b<\/title>/);
      },
    );
    await t.step("static segments win over params", async () => {
      assert.match(await (await srv.fetch("/items/new")).text(), /New item form/);
    });
    await t.step("per-method handlers; 405 with Allow", async () => {
      const post = await srv.fetch("/items/7", { method: "POST" });
      assert.deepEqual(post.status, 201);
      assert.deepEqual(await post.json(), { posted: "7" });
      const del = await srv.fetch("/items/7", { method: "DELETE" });
      assert.deepEqual(del.status, 405);
      assert.deepEqual(del.headers.get("allow"), "GET, POST, HEAD");
      assert.match(await del.text(), /Fixture error 405/);
    });
    await t.step("HEAD is answered by GET without a body", async () => {
      const res = await srv.fetch("/", { method: "HEAD" });
      assert.deepEqual(res.status, 200);
      assert.deepEqual(await res.text(), "");
    });
    await t.step("a function handler takes every method", async () => {
      const res = await srv.fetch("/api/echo?q=x", { method: "PUT" });
      assert.deepEqual(await res.json(), { method: "PUT", q: "x" });
    });
    await t.step(
      "middleware runs outer folder first, in array order, sharing ctx.state",
      async () => {
        const res = await srv.fetch("/admin");
        assert.match(await res.text(), /Admin: Hello from the root middleware/);
        // Headers are appended on the way out, so the innermost appends first.
        assert.deepEqual(res.headers.get("x-chain"), "admin-2, admin-1, root");
        const denied = await srv.fetch("/admin?deny=1");
        assert.deepEqual(denied.status, 403);
        assert.deepEqual(denied.headers.get("x-chain"), "root");
        await denied.body?.cancel();
        const outside = await srv.fetch("/items/1");
        await outside.body?.cancel();
        assert.deepEqual(outside.headers.get("x-chain"), "root");
      },
    );
    await t.step("_error page for unknown pages and a thrown HttpError(404)", async () => {
      const res = await srv.fetch("/nope/nothing");
      assert.deepEqual(res.status, 404);
      assert.match(await res.text(), /Fixture not found/);
      const thrown = await srv.fetch("/items/missing");
      assert.deepEqual(thrown.status, 404);
      assert.match(await thrown.text(), /Fixture not found/);
    });
    await t.step("_error page for an unexpected throw", async () => {
      const res = await srv.fetch("/boom");
      assert.deepEqual(res.status, 500);
      assert.match(await res.text(), /Fixture error 500/);
    });
    await t.step("ctx.redirect stays on this site", async () => {
      const res = await srv.fetch("/old");
      assert.deepEqual(res.status, 307);
      assert.deepEqual(res.headers.get("location"), "/elsewhere.example/new");
    });
    await t.step("static files with ETag and 304", async () => {
      const res = await srv.fetch("/hello.txt");
      assert.deepEqual(await res.text(), "hello static\n");
      const tag = res.headers.get("etag");
      assert(tag, "ETag present");
      assert.match(res.headers.get("cache-control") ?? "", /max-age=/);
      const again = await srv.fetch("/hello.txt", { headers: { "if-none-match": tag } });
      assert.deepEqual(again.status, 304);
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
            "/items/%E0%A4%A",
          ]
        ) {
          const res = await srv.fetch(path);
          const body = await res.text();
          assert(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
          assert(!body.includes("root:"), `${path} leaked a file`);
        }
      },
    );
    await t.step("an island page carries module scripts with hashed names", async () => {
      const res = await srv.fetch("/counter");
      const html = await res.text();
      const m = html.match(
        /<script type="module" src="(\/_fresh\/js\/Counter-[A-Z0-9]+\.js)" nonce="([^"]+)"/,
      );
      assert(m, "island script tag");
      assert.match(html, /<mp-island data-island="Counter" data-props="{&quot;start&quot;:3}">/);
      const js = await srv.fetch(m[1]);
      assert.deepEqual(js.status, 200);
      assert.deepEqual(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.match(js.headers.get("content-type") ?? "", /javascript/);
      await js.body?.cancel();
    });
    await t.step(
      "a hydrate-on-interaction island ships the runtime only, its entry in data-src",
      async () => {
        const html = await (await srv.fetch("/lazy")).text();
        const island = html.match(
          /<mp-island data-island="LazyCounter" data-props="{&quot;start&quot;:1}" data-hydrate="interaction" data-src="(\/_fresh\/js\/LazyCounter-[A-Z0-9]+\.js)">/,
        );
        assert(island, "lazy island markup");
        const scripts = [...html.matchAll(/<script type="module" src="([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(scripts.length, 1, `one script: ${scripts}`);
        assert.match(scripts[0], /^\/_fresh\/js\/mp-runtime-[A-Z0-9]+\.js$/);
        assert(!html.includes("modulepreload"), "nothing of the island is preloaded");
        // The runtime imports nothing (no Preact before the interaction) and the entry
        // imports the runtime, so the browser evaluates one copy of it.
        const runtime = await (await srv.fetch(scripts[0])).text();
        assert.doesNotMatch(runtime, /\bimport\s*[{"*]|from\s*"/);
        const entry = await (await srv.fetch(island[1])).text();
        const runtimeFile = scripts[0].replace(/^.*\//, "");
        assert.match(entry, new RegExp(`from\\s*"\\./${runtimeFile.replace(".", "\\.")}"`));
        // An island that hydrates at load keeps its own script and no lazy marker; the runtime
        // comes with it as a static import, not as a script of its own.
        const counter = await (await srv.fetch("/counter")).text();
        assert(!counter.includes("data-hydrate="), "Counter hydrates at load");
        assert(!counter.includes("mp-runtime-"), "no separate runtime script");
      },
    );
  } finally {
    await srv.close();
  }
});

Deno.test({
  name: "stop the bundler service",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await stopBundler();
  },
});
