/**
 * The access layer over real HTTP and real KV: the admin links endpoint and API-key auth,
 * the token middleware on pages and on the JSON API (valid, malformed, unknown, revoked,
 * expired, renewed), cross-customer and cross-org access, the rate limit at 100/101 and
 * under concurrency, bad-link floods limited per address, and no raw token in KV or logs.
 */
import { createApiKey } from "@/lib/access/api_keys.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";
import { DAY, dumpKv, seedOrg } from "@/tests/access/access_helpers.ts";

interface World {
  s: TestServer;
  keys: { acme: string; globex: string };
}

function order(ref: string, address: string) {
  return {
    customer_ref: ref,
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped" as const,
    currency: "USD",
    delivery_address: address,
    lines: [{ item_code: "P-1", description: "Widget", qty_ordered: "2", unit_price: "9.99" }],
  };
}

/** acme: CUST-A (ORD-A1), CUST-B (ORD-B1); globex: CUST-A (ORD-G1). One API key per org. */
async function withWorld(
  fn: (w: World) => Promise<void>,
  opts: { env?: Record<string, string>; background?: boolean } = {},
) {
  const keys = { acme: "", globex: "" };
  const s = await startTestServer({
    env: opts.env,
    background: opts.background,
    setup: async ({ kv }) => {
      await seedOrg(kv, "acme", ["CUST-A", "CUST-B"]);
      await seedOrg(kv, "globex", ["CUST-A"]);
      const now = new Date("2026-01-15T00:00:00Z");
      await upsertOrder(kv, "acme", "ORD-A1", order("CUST-A", "1 Alpha Road"), now);
      await upsertOrder(kv, "acme", "ORD-B1", order("CUST-B", "2 Bravo Secret Street"), now);
      await upsertOrder(kv, "globex", "ORD-G1", order("CUST-A", "3 Globex Hidden Lane"), now);
      keys.acme = (await createApiKey(kv, "acme", now)).key;
      keys.globex = (await createApiKey(kv, "globex", now)).key;
    },
  });
  try {
    await fn({ s, keys });
  } finally {
    await s.close();
  }
}

async function call(
  s: TestServer,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await s.fetch(path, {
    method,
    headers,
    body: opts.body === undefined
      ? undefined
      : typeof opts.body === "string"
      ? opts.body
      : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch { /* a page */ }
  return { status: res.status, headers: res.headers, text, json };
}

/** A new link through the admin API; returns the token. */
async function newLink(w: World, org: "acme" | "globex", ref: string): Promise<string> {
  const r = await call(w.s, "POST", `/api/admin/v1/customers/${ref}/links`, {
    key: w.keys[org],
    body: {},
  });
  assert.deepEqual(r.status, 201, r.text);
  return new URL(r.json.url).pathname.split("/")[2];
}

function assertPrivate(h: Headers, where: string) {
  assert.deepEqual(h.get("cache-control"), "no-store", `${where}: cache-control`);
  assert.deepEqual(h.get("x-robots-tag"), "noindex", `${where}: x-robots-tag`);
}

const LINK_INVALID = {
  error: { code: "link_invalid", message: "This customer portal link is invalid or has expired." },
};

Deno.test("admin API: missing, malformed, unknown and other-org keys are refused", async () => {
  await withWorld(async (w) => {
    const path = "/api/admin/v1/customers/CUST-A/links";
    // A key minted in another store: the right shape, unknown here.
    const elsewhere = await Deno.openKv(":memory:");
    const wellFormedUnknown = (await createApiKey(elsewhere, "acme", new Date())).key;
    elsewhere.close();
    for (
      const auth of [
        undefined,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer mpk_nope",
        `Bearer ${w.keys.acme}x`,
        `Bearer ${wellFormedUnknown}`,
        `Token ${w.keys.acme}`,
      ]
    ) {
      const r = await call(w.s, "POST", path, {
        body: {},
        headers: auth === undefined ? {} : { authorization: auth },
      });
      assert.deepEqual(r.status, 401, `auth ${auth}`);
      assert.deepEqual(r.json.error.code, "unauthorized");
      assert.deepEqual(r.headers.get("www-authenticate"), 'Bearer realm="admin"');
    }
    // Every admin route is behind the same guard.
    const other = await call(w.s, "PUT", "/api/admin/v1/customers/CUST-Z", {
      body: { name: "Z", email: "z@example.com" },
    });
    assert.deepEqual(other.status, 401);
    // A valid key, case-insensitive scheme.
    const ok = await call(w.s, "POST", path, {
      body: {},
      headers: { authorization: `bearer ${w.keys.acme}` },
    });
    assert.deepEqual(ok.status, 201, ok.text);
  });
});

Deno.test("admin links: 201 {url, expires_at}; 404 unknown customer or other org; 422/400/415 bad input", async () => {
  await withWorld(async (w) => {
    const r = await call(w.s, "POST", "/api/admin/v1/customers/CUST-A/links", {
      key: w.keys.acme,
      body: { send_email: false },
    });
    assert.deepEqual(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ["expires_at", "url"]);
    assert.match(r.json.url, new RegExp(`^${w.s.url}/customer/mpl_[A-Za-z0-9_-]{49}$`));
    assert.deepEqual(Date.parse(r.json.expires_at), w.s.clock.now().getTime() + 90 * DAY);
    assertPrivate(r.headers, "link creation");
    // The URL works.
    const page = await w.s.fetch(new URL(r.json.url).pathname);
    assert.deepEqual(page.status, 200);
    await page.body?.cancel();

    // No body at all is fine too.
    const bare = await w.s.fetch("/api/admin/v1/customers/CUST-A/links", {
      method: "POST",
      headers: { authorization: `Bearer ${w.keys.acme}` },
    });
    assert.deepEqual(bare.status, 201);
    await bare.body?.cancel();

    const cases: Array<[string, string, unknown, number, string]> = [
      ["acme", "CUST-NOPE", {}, 404, "not_found"],
      ["globex", "CUST-B", {}, 404, "not_found"], // acme's customer, globex's key
      ["acme", "CUST-A", { send_email: "yes" }, 422, "validation_failed"],
      ["acme", "CUST-A", { send_email: true, extra: 1 }, 422, "validation_failed"],
      ["acme", "CUST-A", "{not json", 400, "bad_request"],
      ["acme", "CUST-A", [], 422, "validation_failed"],
      ["acme", "bad ref!", {}, 422, "validation_failed"],
    ];
    for (const [org, ref, body, status, code] of cases) {
      const res = await call(
        w.s,
        "POST",
        `/api/admin/v1/customers/${encodeURIComponent(ref)}/links`,
        { key: w.keys[org as "acme"], body },
      );
      assert.deepEqual(res.status, status, `${org} ${ref} ${JSON.stringify(body)}: ${res.text}`);
      assert.deepEqual(res.json.error.code, code);
    }
    const wrongType = await w.s.fetch("/api/admin/v1/customers/CUST-A/links", {
      method: "POST",
      headers: { authorization: `Bearer ${w.keys.acme}`, "content-type": "text/plain" },
      body: "send_email=true",
    });
    assert.deepEqual(wrongType.status, 415);
    await wrongType.body?.cancel();
    const del404 = await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-NOPE/links", {
      key: w.keys.acme,
    });
    assert.deepEqual(del404.status, 404);
  });
});

Deno.test("DELETE links revokes every link of the customer at once: pages and API answer 401", async () => {
  await withWorld(async (w) => {
    const t1 = await newLink(w, "acme", "CUST-A");
    const t2 = await newLink(w, "acme", "CUST-A");
    const tb = await newLink(w, "acme", "CUST-B");
    for (const t of [t1, t2]) {
      assert.deepEqual((await call(w.s, "GET", `/api/portal/customer/${t}/orders`)).status, 200);
    }
    // Another org's key cannot revoke acme's customer (globex has a CUST-A of its own).
    const g = await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-B/links", {
      key: w.keys.globex,
    });
    assert.deepEqual(g.status, 404);
    const del = await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-A/links", {
      key: w.keys.acme,
    });
    assert.deepEqual(del.status, 204);
    assert.deepEqual(del.text, "");
    for (const t of [t1, t2]) {
      const api = await call(w.s, "GET", `/api/portal/customer/${t}/orders`);
      assert.deepEqual(api.status, 401);
      assert.deepEqual(api.json, LINK_INVALID);
      const page = await call(w.s, "GET", `/customer/${t}`);
      assert.deepEqual(page.status, 401);
      assert.match(page.text, /Access Link Invalid or Expired/);
      // The org is known for a revoked link: its contact is shown.
      assert.match(page.text, /ACME Manufacturing/);
      assert.match(page.text, /sales@acme\.example/);
    }
    assert.deepEqual((await call(w.s, "GET", `/api/portal/customer/${tb}/orders`)).status, 200);
    // Revoking again is still 204.
    const again = await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-A/links", {
      key: w.keys.acme,
    });
    assert.deepEqual(again.status, 204);
  });
});

Deno.test("valid link: state for the handlers, private and RateLimit headers on pages and API", async () => {
  await withWorld(async (w) => {
    const t = await newLink(w, "acme", "CUST-A");
    const page = await call(w.s, "GET", `/customer/${t}`);
    assert.deepEqual(page.status, 200);
    assert.match(page.text, /ORD-A1/);
    assertPrivate(page.headers, "dashboard");
    assert.deepEqual(page.headers.get("ratelimit-limit"), "100");
    assert.deepEqual(page.headers.get("ratelimit-remaining"), "99");
    assert(Number(page.headers.get("ratelimit-reset")) > 0);
    assert.deepEqual(page.headers.get("retry-after"), null);

    const api = await call(w.s, "GET", `/api/portal/customer/${t}/orders`);
    assert.deepEqual(api.status, 200);
    assert.deepEqual(api.json.customer.ref ?? api.json.customer.customer_ref, "CUST-A");
    assertPrivate(api.headers, "orders API");
    assert.deepEqual(
      api.headers.get("ratelimit-remaining"),
      "98",
      "pages and API share one budget",
    );

    const detail = await call(w.s, "GET", `/api/portal/customer/${t}/orders/ORD-A1`);
    assert.deepEqual(detail.status, 200);
    // Client errors thrown by a handler keep the private headers.
    const bad = await call(w.s, "GET", `/api/portal/customer/${t}/orders?status=bogus`);
    assert.deepEqual(bad.status, 400);
    assertPrivate(bad.headers, "a 400 under a link");
    assert(bad.headers.get("ratelimit-limit"), "RateLimit headers on a 400 too");
    // The visit is recorded (the dashboard's "last visit").
    const again = await call(w.s, "GET", `/api/portal/customer/${t}/orders`);
    assert(again.json.customer.last_visit_at, "last visit recorded");
  });
});

Deno.test("invalid links: malformed, unknown, revoked, expired answer the same 401; renewed links live on", async () => {
  await withWorld(async (w) => {
    const valid = await newLink(w, "acme", "CUST-A");
    const revoked = await newLink(w, "acme", "CUST-B");
    await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-B/links", { key: w.keys.acme });
    const idle = await newLink(w, "globex", "CUST-A");
    const variants: Record<string, string> = {
      malformed: valid.slice(0, -1) + (valid.endsWith("A") ? "B" : "A"),
      truncated: valid.slice(0, 20),
      "wrong prefix": "mpk_" + valid.slice(4),
      junk: "%E2%9C%93%20not-a-token",
      revoked,
    };
    // A well-formed unknown token: a real token from a store that is not this one.
    {
      const other = await startTestServer({
        setup: async (s) => {
          await seedOrg(s.kv, "acme", ["CUST-A"]);
        },
      });
      try {
        const { createLink } = await import("@/lib/access/tokens.ts");
        variants.unknown = (await createLink(other.services, "acme", "CUST-A")).token;
      } finally {
        await other.close();
      }
    }

    // Renewed: used every 80 days, still valid after 240 days; the idle one is not.
    for (let i = 0; i < 3; i++) {
      w.s.clock.advance(80 * DAY);
      const r = await call(w.s, "GET", `/api/portal/customer/${valid}/orders`);
      assert.deepEqual(r.status, 200, `renewed use ${i}`);
    }
    variants.expired = idle;

    const pageBodies = new Set<string>();
    for (const [name, token] of Object.entries(variants)) {
      const api = await call(w.s, "GET", `/api/portal/customer/${token}/orders`);
      assert.deepEqual(api.status, 401, `${name} API`);
      assert.deepEqual(api.json, LINK_INVALID, `${name} API body`);
      assertPrivate(api.headers, `${name} API`);
      for (const sub of ["", "/orders/ORD-A1"]) {
        const page = await call(w.s, "GET", `/customer/${token}${sub}`);
        assert.deepEqual(page.status, 401, `${name} page ${sub}`);
        assertPrivate(page.headers, `${name} page`);
        assert.match(page.text, /This customer portal link is invalid or has expired\./);
        assert(!page.text.includes("1 Alpha Road"), "no order data on the error page");
        if (name === "revoked") assert.match(page.text, /ACME Manufacturing/);
        if (name === "expired") assert.match(page.text, /GLOBEX Manufacturing/);
        if (["malformed", "truncated", "unknown", "junk"].includes(name)) {
          assert.match(page.text, /Please contact the company that sent you this link/);
          pageBodies.add(
            page.text.replace(/nonce="[^"]*"/g, "").replace(/\/customer\/[^"?]*/g, ""),
          );
        }
      }
    }
    // Every unknown-org variant renders the very same page (nothing tells them apart).
    assert.deepEqual(pageBodies.size, 1);
    // The error page follows the language.
    const es = await call(w.s, "GET", `/customer/${variants.unknown}?lang=es`);
    assert.deepEqual(es.status, 401);
    assert.match(es.text, /no es válido o ha caducado/);
  });
});

Deno.test("a link of customer A never shows customer B's or another org's data", async () => {
  await withWorld(async (w) => {
    const a = await newLink(w, "acme", "CUST-A");
    const foreign = ["ORD-B1", "ORD-G1"];
    const secrets = ["2 Bravo Secret Street", "3 Globex Hidden Lane", "Customer CUST-B"];
    const urls: string[] = [];
    for (const n of foreign) {
      urls.push(
        `/customer/${a}/orders/${n}`,
        `/api/portal/customer/${a}/orders/${n}`,
        `/api/portal/customer/${a}/orders/${n}/tracking`,
        `/api/portal/customer/${a}/orders/${n}/documents/invoice`,
        `/api/portal/customer/${a}/orders/${n}/documents/all`,
      );
    }
    for (const url of urls) {
      const r = await call(w.s, "GET", url);
      assert.deepEqual(r.status, 404, url);
      for (const secret of secrets) assert(!r.text.includes(secret), `${url} leaks ${secret}`);
    }
    for (const status of ["all", "active", "shipped", "delivered", "cancelled"]) {
      const list = await call(w.s, "GET", `/api/portal/customer/${a}/orders?status=${status}`);
      assert.deepEqual(list.status, 200);
      for (const n of foreign) assert(!list.text.includes(n), `list ${status} shows ${n}`);
    }
    const dash = await call(w.s, "GET", `/customer/${a}`);
    for (const n of foreign) assert(!dash.text.includes(n));
    for (const secret of secrets) assert(!dash.text.includes(secret));
    // Globex's CUST-A (same ref, other org) gets only globex's order.
    const g = await newLink(w, "globex", "CUST-A");
    const gl = await call(w.s, "GET", `/api/portal/customer/${g}/orders`);
    assert.match(gl.text, /ORD-G1/);
    assert(!gl.text.includes("ORD-A1"));
    assert.deepEqual(
      (await call(w.s, "GET", `/api/portal/customer/${g}/orders/ORD-A1`)).status,
      404,
    );
  });
});

Deno.test("rate limit over HTTP: 100 allowed, the 101st is 429 with Retry-After and RateLimit-*", async () => {
  await withWorld(async (w) => {
    const t = await newLink(w, "acme", "CUST-A");
    for (let i = 1; i <= 100; i++) {
      // Pages and API draw on one budget.
      const path = i % 2 ? `/api/portal/customer/${t}/orders` : `/customer/${t}`;
      const res = await w.s.fetch(path);
      assert.deepEqual(res.status, 200, `request ${i}`);
      assert.deepEqual(res.headers.get("ratelimit-remaining"), String(100 - i));
      await res.body?.cancel();
    }
    const api = await call(w.s, "GET", `/api/portal/customer/${t}/orders`);
    assert.deepEqual(api.status, 429);
    assert.deepEqual(api.json.error.code, "rate_limited");
    const retry = Number(api.headers.get("retry-after"));
    // At most a window and a moment (the clock starts on a window boundary).
    assert(retry >= 1 && retry <= 3601, `Retry-After ${retry}`);
    assert.deepEqual(api.headers.get("ratelimit-limit"), "100");
    assert.deepEqual(api.headers.get("ratelimit-remaining"), "0");
    assert.deepEqual(api.headers.get("ratelimit-reset"), String(retry));
    assertPrivate(api.headers, "429 API");

    const page = await call(w.s, "GET", `/customer/${t}?lang=pl`);
    assert.deepEqual(page.status, 429);
    assert.deepEqual(page.headers.get("retry-after"), String(retry));
    assertPrivate(page.headers, "429 page");
    assert(!page.text.includes("1 Alpha Road"), "no data on the 429 page");
    assert.match(page.text, /<html[^>]*lang="pl"/);

    // Another link of the same customer has its own budget; an hour later this one works.
    const t2 = await newLink(w, "acme", "CUST-A");
    assert.deepEqual((await call(w.s, "GET", `/api/portal/customer/${t2}/orders`)).status, 200);
    w.s.clock.advance(2 * 60 * 60 * 1000);
    assert.deepEqual((await call(w.s, "GET", `/api/portal/customer/${t}/orders`)).status, 200);
  });
});

Deno.test("rate limit over HTTP: 150 concurrent requests, exactly 100 answered 200", async () => {
  await withWorld(async (w) => {
    const t = await newLink(w, "acme", "CUST-A");
    const statuses = await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const path = i % 3 ? `/api/portal/customer/${t}/orders` : `/customer/${t}`;
        const res = await w.s.fetch(path);
        await res.body?.cancel();
        return res.status;
      }),
    );
    assert.deepEqual(statuses.filter((s) => s === 200).length, 100);
    assert.deepEqual(statuses.filter((s) => s === 429).length, 50);
  });
});

Deno.test("bad links are limited per client address, so floods stop short of KV work", async () => {
  await withWorld(async (w) => {
    const good = await newLink(w, "acme", "CUST-A");
    const revoked = await newLink(w, "acme", "CUST-B");
    await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-B/links", { key: w.keys.acme });
    const attacker = { "x-forwarded-for": "203.0.113.66, 10.0.0.1" };
    for (let i = 0; i < 100; i++) {
      const r = await call(w.s, "GET", `/api/portal/customer/${revoked}/orders`, {
        headers: attacker,
      });
      assert.deepEqual(r.status, 401, `bad request ${i}`);
    }
    const limited = await call(w.s, "GET", `/customer/${revoked}`, { headers: attacker });
    assert.deepEqual(limited.status, 429);
    assert(Number(limited.headers.get("retry-after")) >= 1);
    // Another address still gets the plain 401; the attacker's address with a valid link
    // is not blocked (valid links count per link).
    const other = await call(w.s, "GET", `/api/portal/customer/${revoked}/orders`, {
      headers: { "x-forwarded-for": "198.51.100.7" },
    });
    assert.deepEqual(other.status, 401);
    const ok = await call(w.s, "GET", `/api/portal/customer/${good}/orders`, {
      headers: attacker,
    });
    assert.deepEqual(ok.status, 200);
    // In-process requests come from loopback: the portal behind a proxy on this machine.
  }, { env: { TRUSTED_PROXIES: "loopback" } });
});

Deno.test("the raw token never appears in KV or in the server log", async () => {
  await withWorld(async (w) => {
    const before = w.s.logs.length;
    const tokens = [await newLink(w, "acme", "CUST-A"), await newLink(w, "globex", "CUST-A")];
    for (const t of tokens) {
      for (
        const path of [
          `/customer/${t}`,
          `/customer/${t}/orders/ORD-A1`,
          `/customer/${t}/orders/NOPE`,
          `/customer/${t}/no-such-page`,
          `/api/portal/customer/${t}/orders`,
          `/api/portal/customer/${t}/orders/ORD-A1/tracking`,
          `/api/portal/customer/${t}/orders?status=bogus`,
        ]
      ) {
        const r = await w.s.fetch(path);
        await r.body?.cancel();
      }
    }
    w.s.clock.advance(3 * DAY); // renewal writes
    for (const t of tokens) await (await w.s.fetch(`/customer/${t}`)).body?.cancel();
    await call(w.s, "DELETE", "/api/admin/v1/customers/CUST-A/links", { key: w.keys.acme });
    for (const t of tokens) await (await w.s.fetch(`/customer/${t}`)).body?.cancel();

    const dump = await dumpKv(w.s.services.kv);
    const log = w.s.logs.slice(before).join("\n");
    assert(log.length > 0, "requests were logged");
    for (const t of [...tokens, w.keys.acme, w.keys.globex]) {
      assert(!dump.includes(t), "a raw secret is in KV");
      assert(!dump.includes(t.slice(4, 24)), "part of a raw secret is in KV");
      assert(!log.includes(t.slice(4, 24)), "a raw secret is in the log");
    }
  });
});

Deno.test("send_email queues the localized magic-link email with the link", async () => {
  await withWorld(async (w) => {
    const r = await call(w.s, "POST", "/api/admin/v1/customers/CUST-A/links", {
      key: w.keys.acme,
      body: { send_email: true },
    });
    assert.deepEqual(r.status, 201, r.text);
    const { listOutbox } = await import("@/lib/email/mod.ts");
    let entries: Awaited<ReturnType<typeof listOutbox>>["entries"] = [];
    for (let i = 0; i < 200 && entries.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 25));
      entries = (await listOutbox(w.s.services.kv)).entries;
    }
    assert.deepEqual(entries.length, 1, "one email in the dev outbox");
    assert.deepEqual(entries[0].to, ["cust-a@example.com"]);
    assert.ok(entries[0].text.includes(r.json.url), `missing ${r.json.url}`);
  }, { background: true });
});
