/**
 * Per-recipient links (contract extension, README): over the admin API and the CLI, create
 * two, list them (without tokens), revoke one and the other still works; views and
 * downloads are counted per link on the rate limit's one write; an id of another customer or
 * org is a 404; no token in any listing, answer header or log line. In-process, real KV.
 */
import { createApiKey } from "@/lib/access/api_keys.ts";
import { runCli } from "@/cli/admin.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";
import { DAY, dumpKv, seedOrg } from "@/tests/access/access_helpers.ts";

interface World {
  s: TestServer;
  keys: { acme: string; globex: string };
}

async function withWorld(fn: (w: World) => Promise<void>) {
  const keys = { acme: "", globex: "" };
  const s = await startTestServer({
    setup: async ({ kv }) => {
      await seedOrg(kv, "acme", ["CUST-A", "CUST-B"]);
      await seedOrg(kv, "globex", ["CUST-A"]);
      const now = new Date("2026-01-15T00:00:00Z");
      await upsertOrder(kv, "acme", "ORD-A1", {
        customer_ref: "CUST-A",
        order_date: "2026-01-14",
        delivery_date: "2026-01-18",
        status: "shipped",
        currency: "USD",
        delivery_address: "1 Alpha Road",
        lines: [{ item_code: "P-1", description: "Widget", qty_ordered: "2", unit_price: "9.99" }],
      }, now);
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

async function call(w: World, method: string, path: string, body?: unknown, key = w.keys.acme) {
  const res = await w.s.fetch(`/api/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

const pathOf = (url: string) => new URL(url).pathname;
const TOKEN = /mpl_[A-Za-z0-9_-]{49}/;

Deno.test("admin API: two recipient links, listed without tokens; revoke one, the other works; uses counted per link", async () => {
  await withWorld(async (w) => {
    const t0 = w.s.clock.now().getTime();
    const ana = await call(w, "POST", "/customers/CUST-A/links", {
      recipient_name: "Ana Díaz",
      recipient_email: "Ana@Retail.example",
      label: "Warehouse",
    });
    assert.equal(ana.status, 201, ana.text);
    assert.deepEqual(Object.keys(ana.json).sort(), ["expires_at", "link_id", "url"]);
    assert.match(ana.json.link_id, /^lnk_[0-9a-f]{16}$/);
    assert.equal(Date.parse(ana.json.expires_at), t0 + 90 * DAY);
    assert.equal(ana.headers.get("cache-control"), "no-store");
    const ben = await call(w, "POST", "/customers/CUST-A/links", { label: "Accounts" });
    assert.equal(ben.status, 201, ben.text);
    // The original form and answer, exactly.
    const shared = await call(w, "POST", "/customers/CUST-A/links", {});
    assert.deepEqual(Object.keys(shared.json).sort(), ["expires_at", "url"]);

    // Ana opens her dashboard twice and downloads one document; Ben once.
    w.s.clock.advance(60_000);
    const t1 = w.s.clock.now().toISOString();
    for (const p of [pathOf(ana.json.url), pathOf(ana.json.url), pathOf(ben.json.url)]) {
      const r = await w.s.fetch(p);
      await r.body?.cancel();
      assert.equal(r.status, 200);
    }
    const doc = await w.s.fetch(
      `/api/portal/customer/${
        pathOf(ana.json.url).split("/")[2]
      }/orders/ORD-A1/documents/order-confirmation`,
    );
    await doc.body?.cancel();

    const list = await call(w, "GET", "/customers/CUST-A/links");
    assert.equal(list.status, 200);
    assert.equal(list.headers.get("cache-control"), "no-store");
    assert(!TOKEN.test(list.text), "no token in the listing");
    const byId = Object.fromEntries(
      list.json.links.map((l: { link_id: string }) => [l.link_id, l]),
    );
    assert.equal(list.json.links.length, 3);
    const a = byId[ana.json.link_id];
    assert.deepEqual(
      {
        recipient_name: a.recipient_name,
        recipient_email: a.recipient_email,
        label: a.label,
        source: a.source,
        created_by: a.created_by,
        status: a.status,
        views: a.views,
        downloads: a.downloads,
      },
      {
        recipient_name: "Ana Díaz",
        recipient_email: "ana@retail.example",
        label: "Warehouse",
        source: "admin_api",
        created_by: { kind: "api_key" },
        status: "active",
        views: 2,
        downloads: 1,
      },
    );
    assert(a.last_used_at >= t1, `last use ${a.last_used_at} moved`);
    assert.equal(byId[ben.json.link_id].views, 1);
    assert.equal(byId[ben.json.link_id].downloads, 0);

    // Revoke Ana's: hers answers 401, Ben's still works.
    const del = await call(w, "DELETE", `/customers/CUST-A/links/${ana.json.link_id}`);
    assert.equal(del.status, 204);
    const gone = await w.s.fetch(pathOf(ana.json.url));
    await gone.body?.cancel();
    assert.equal(gone.status, 401);
    const still = await w.s.fetch(pathOf(ben.json.url));
    await still.body?.cancel();
    assert.equal(still.status, 200);
    const after = await call(w, "GET", "/customers/CUST-A/links");
    const revoked = after.json.links.find((l: { link_id: string }) =>
      l.link_id === ana.json.link_id
    );
    assert.equal(revoked.status, "revoked");
    assert.equal(byId[ben.json.link_id].status, "active");
    // Revoking it again is still 204 (it has ended).
    assert.equal(
      (await call(w, "DELETE", `/customers/CUST-A/links/${ana.json.link_id}`)).status,
      204,
    );

    // Another customer's, another org's, unknown and malformed ids: 404.
    const id = ben.json.link_id;
    assert.equal((await call(w, "DELETE", `/customers/CUST-B/links/${id}`)).status, 404);
    assert.equal(
      (await call(w, "DELETE", `/customers/CUST-A/links/${id}`, undefined, w.keys.globex)).status,
      404,
    );
    assert.equal(
      (await call(w, "DELETE", `/customers/CUST-A/links/lnk_0000000000000000`)).status,
      404,
    );
    assert.equal(
      (await call(w, "DELETE", `/customers/CUST-A/links/${"x".repeat(300)}`)).status,
      404,
    );
    const ok = await w.s.fetch(pathOf(ben.json.url));
    await ok.body?.cancel();
    assert.equal(ok.status, 200, "a refused revoke changes nothing");
    // Other org's listing of its own CUST-A knows none of them.
    const theirs = await call(w, "GET", "/customers/CUST-A/links", undefined, w.keys.globex);
    assert.deepEqual(theirs.json.links, []);

    // `DELETE …/links` still ends them all.
    assert.equal((await call(w, "DELETE", "/customers/CUST-A/links")).status, 204);
    for (const url of [ben.json.url, shared.json.url]) {
      const r = await w.s.fetch(pathOf(url));
      await r.body?.cancel();
      assert.equal(r.status, 401);
    }

    // Bad recipient input: 422 naming the field, nothing made.
    for (
      const body of [
        { recipient_name: "Ana\nBcc: x@example.com" },
        { recipient_name: "Ana\u202e" },
        { recipient_email: "not an address" },
        { label: "" },
        { label: "x".repeat(101) },
      ]
    ) {
      const r = await call(w, "POST", "/customers/CUST-A/links", body);
      assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, "validation_failed");
    }

    // No token at rest, in any log line.
    const kv = await dumpKv(w.s.services.kv);
    for (const url of [ana.json.url, ben.json.url, shared.json.url]) {
      const token = pathOf(url).split("/")[2];
      assert(!kv.includes(token), "no token in KV");
      assert(!w.s.logs.some((l) => l.includes(token)), "no token in a log line");
    }
  });
});

Deno.test("CLI: link create for a recipient, link list (no tokens), link revoke --link ends one, --customer all", async () => {
  await withWorld(async (w) => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, w.s.services, {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        readStdin: () => Promise.resolve(""),
        readFile: () => Promise.reject(new Error("no files")),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const base = ["--org", "acme", "--customer", "CUST-A"];
    const a = await run([
      "link",
      "create",
      ...base,
      "--recipient-name",
      "Ana Díaz",
      "--label",
      "Warehouse",
      "--json",
    ]);
    assert.equal(a.code, 0, a.err);
    const ana = JSON.parse(a.out);
    const b = await run(["link", "create", ...base, "--recipient-email", "ben@retail.example"]);
    assert.equal(b.code, 0, b.err);
    const benUrl = b.out.match(/https?:\S+/)![0];
    const benId = b.out.match(/lnk_[0-9a-f]{16}/)![0];

    const list = await run(["link", "list", ...base]);
    assert.equal(list.code, 0, list.err);
    assert(!TOKEN.test(list.out), "no token in the listing");
    assert.match(list.out, new RegExp(`${ana.link_id}  active  operator_cli  Ana Díaz  Warehouse`));
    assert.match(list.out, new RegExp(`${benId}  active  operator_cli  ben@retail\\.example`));
    const json = JSON.parse((await run(["link", "list", ...base, "--json"])).out);
    assert.equal(json.links.length, 2);
    assert.deepEqual(
      json.links.find((l: { link_id: string }) => l.link_id === ana.link_id).created_by,
      {
        kind: "cli",
      },
    );

    const r = await run(["link", "revoke", "--org", "acme", "--link", ana.link_id]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Revoked link lnk_/);
    const gone = await w.s.fetch(pathOf(ana.url));
    await gone.body?.cancel();
    assert.equal(gone.status, 401);
    const still = await w.s.fetch(pathOf(benUrl));
    await still.body?.cancel();
    assert.equal(still.status, 200);

    // Another org's id, a malformed id: exit 2, nothing revoked.
    const other = await run(["link", "revoke", "--org", "globex", "--link", benId]);
    assert.equal(other.code, 2);
    const bad = await run(["link", "revoke", "--org", "acme", "--link", "lnk_nope"]);
    assert.equal(bad.code, 2);
    const bad2 = await run(["link", "create", ...base, "--recipient-name", "A\r\nB"]);
    assert.equal(bad2.code, 2);
    assert.match(bad2.err, /--recipient-name/);

    const all = await run(["link", "revoke", ...base]);
    assert.equal(all.code, 0, all.err);
    const ended = await w.s.fetch(pathOf(benUrl));
    await ended.body?.cancel();
    assert.equal(ended.status, 401);
  });
});

Deno.test("counting a use costs no KV write of its own: a page view or download is one write", async () => {
  await withWorld(async (w) => {
    const made = await call(w, "POST", "/customers/CUST-A/links", { label: "Counted" });
    const token = pathOf(made.json.url).split("/")[2];
    const kv = w.s.services.kv;
    // The first view writes the visit (hourly) too; the ones after are the steady state.
    await (await w.s.fetch(pathOf(made.json.url))).body?.cancel();
    let writes = 0;
    const atomic = kv.atomic.bind(kv);
    const set = kv.set.bind(kv);
    kv.atomic = () => {
      writes++;
      return atomic();
    };
    kv.set = (...args: Parameters<Deno.Kv["set"]>) => {
      writes++;
      return set(...args);
    };
    try {
      for (
        const p of [
          pathOf(made.json.url),
          `/api/portal/customer/${token}/orders`,
          `/api/portal/customer/${token}/orders/ORD-A1/documents/order-confirmation`,
        ]
      ) {
        writes = 0;
        const r = await w.s.fetch(p);
        await r.body?.cancel();
        assert(r.status < 500, `${p}: ${r.status}`);
        // The document cache may store a rendered PDF (its own write, once per document);
        // the access path itself — rate limit and use counts together — is one write.
        if (!p.includes("/documents/")) assert.equal(writes, 1, `${p}: ${writes} writes`);
      }
    } finally {
      kv.atomic = atomic;
      kv.set = set;
    }
    const [link] = (await call(w, "GET", "/customers/CUST-A/links")).json.links;
    assert.equal(link.views, 2);
    assert.equal(link.api_calls, 1);
    assert.equal(link.downloads, 1);
  });
});
