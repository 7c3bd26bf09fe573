/**
 * Issue 10.8 over real HTTP: only trusted proxies are believed.
 *
 * - Without TRUSTED_PROXIES a loopback peer's `X-Forwarded-For` is ignored: the invalid-link
 *   limiter counts the peer, so changing the header does not buy new tries.
 * - With a hop count (`1`) or a list of networks, the client is the right-most address that
 *   is not a trusted proxy: what a client writes to the left of it changes nothing.
 * - `X-Forwarded-Proto` is believed only from a trusted proxy, and decides HSTS and the
 *   `Secure` flag of the `lang` cookie.
 */
import assert from "node:assert/strict";
import { newSecret } from "@/lib/access/secret.ts";
import { LINK_PREFIX } from "@/lib/access/tokens.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";

const LIMIT = 3;

async function start(env: Record<string, string> = {}): Promise<Portal> {
  return await startPortal({ listen: true, env: { ...env, RATE_LIMIT_PER_HOUR: String(LIMIT) } });
}

/** A well-formed link that does not exist (the limiter counts these by client address). */
const UNKNOWN_LINK = `/api/portal/customer/${newSecret(LINK_PREFIX)}/orders`;

async function badTry(portal: Portal, xff?: string): Promise<number> {
  const res = await portal.fetch(UNKNOWN_LINK, {
    headers: xff ? { "x-forwarded-for": xff } : {},
  });
  await res.body?.cancel();
  return res.status;
}

/** The addresses the bad-link limiter has counted. */
async function counted(portal: Portal): Promise<string[]> {
  const out = new Set<string>();
  for await (const e of portal.services.kv.list({ prefix: ["rate_limit", "addr"] })) {
    out.add(String(e.key[2]));
  }
  return [...out].sort();
}

Deno.test({
  name: "no TRUSTED_PROXIES: X-Forwarded-For from a loopback peer is not believed",
  sanitizeResources: false,
  fn: async () => {
    const portal = await start();
    try {
      const statuses = [];
      for (let i = 0; i < LIMIT + 2; i++) statuses.push(await badTry(portal, `198.51.100.${i}`));
      assert.deepEqual(statuses, [401, 401, 401, 429, 429], "a new header buys no new try");
      assert.deepEqual(await counted(portal), ["127.0.0.1"]);
    } finally {
      await portal.close();
    }
  },
});

for (
  const [label, trusted, chain] of [
    // One proxy: the peer is it, and the address it appended is the client.
    ["a hop count (1)", "1", (spoof: string) => `${spoof}, 203.0.113.7`],
    // A list: every address inside it is a proxy of ours, however many.
    [
      "a CIDR list",
      "127.0.0.0/8, 10.0.0.0/8",
      (spoof: string) => `${spoof}, 203.0.113.7, 10.1.2.3`,
    ],
  ] as const
) {
  Deno.test({
    name: `TRUSTED_PROXIES as ${label}: the right-most untrusted hop is the client`,
    sanitizeResources: false,
    fn: async () => {
      const portal = await start({ TRUSTED_PROXIES: trusted });
      try {
        const statuses = [];
        for (let i = 0; i < LIMIT + 1; i++) {
          statuses.push(await badTry(portal, chain(`9.9.9.${i}`)));
        }
        assert.deepEqual(statuses, [401, 401, 401, 429], "the client's own left hops buy nothing");
        // Another client behind the same proxy has its own tries.
        assert.equal(
          await badTry(portal, chain("9.9.9.9").replace("203.0.113.7", "203.0.113.8")),
          401,
        );
        assert.deepEqual(await counted(portal), ["203.0.113.7", "203.0.113.8"]);
        // No header at all: the peer (the proxy itself) is the client.
        assert.equal(await badTry(portal), 401);
        assert.deepEqual(await counted(portal), ["127.0.0.1", "203.0.113.7", "203.0.113.8"]);
      } finally {
        await portal.close();
      }
    },
  });
}

async function httpsFacts(portal: Portal, headers: Record<string, string>) {
  const res = await portal.fetch("/?lang=es", { headers });
  await res.body?.cancel();
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^lang=es;/);
  return { hsts: res.headers.has("strict-transport-security"), secure: /;\s*Secure/i.test(cookie) };
}

Deno.test({
  name: "X-Forwarded-Proto only from a trusted proxy: it decides HSTS and the lang cookie's Secure",
  sanitizeResources: false,
  fn: async () => {
    const open = await start();
    try {
      assert.deepEqual(await httpsFacts(open, {}), { hsts: false, secure: false });
      assert.deepEqual(
        await httpsFacts(open, { "x-forwarded-proto": "https" }),
        { hsts: false, secure: false },
        "an untrusted peer's claim is ignored",
      );
    } finally {
      await open.close();
    }
    const behind = await start({ TRUSTED_PROXIES: "1" });
    try {
      assert.deepEqual(await httpsFacts(behind, { "x-forwarded-proto": "https" }), {
        hsts: true,
        secure: true,
      });
      assert.deepEqual(await httpsFacts(behind, { "x-forwarded-proto": "http" }), {
        hsts: false,
        secure: false,
      });
      // The client's own value sits left of the one our proxy appended: ours counts.
      assert.deepEqual(
        await httpsFacts(behind, {
          "x-forwarded-for": "1.2.3.4",
          "x-forwarded-proto": "https, http",
        }),
        { hsts: false, secure: false },
      );
      const hsts = await behind.fetch("/", { headers: { "x-forwarded-proto": "https" } });
      await hsts.body?.cancel();
      assert.equal(
        hsts.headers.get("strict-transport-security"),
        "max-age=63072000; includeSubDomains",
      );
    } finally {
      await behind.close();
    }
  },
});
