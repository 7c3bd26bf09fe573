/**
 * Issue 10.1: the dev outbox (every email, live magic links included) answers only to this
 * machine, only in development, never on Deno Deploy. Over real HTTP: from this machine's
 * other address, through a trusted proxy on loopback, under another Host name, and with
 * Deploy's or production's configuration, it is a 404 as if absent.
 */
import assert from "node:assert/strict";
import { loadConfig } from "@/lib/config.ts";
import { startTestServer } from "@/tests/helpers/server.ts";
import { nonLoopbackAddress, rawRequest, startProxy } from "@/tests/helpers/wire.ts";

const other = nonLoopbackAddress();

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, redirect: "manual" });
  await res.body?.cancel();
  return res.status;
}

Deno.test("config: one environment decision; dev tools never in production or on Deploy", () => {
  const cfg = (env: Record<string, string>) => loadConfig({ KV_PATH: ":memory:", ...env });
  const facts = (env: Record<string, string>) => {
    const c = cfg(env);
    return [c.DENO_ENV, c.isProduction, c.devTools, c.SEED_DEMO];
  };
  assert.deepEqual(facts({}), ["development", false, true, "1"]);
  assert.deepEqual(facts({ DENO_ENV: "production" }), ["production", true, false, "0"]);
  assert.deepEqual(facts({ DENO_DEPLOYMENT_ID: "abc" }), ["production", true, false, "0"]);
  // Deploy is production unless DENO_ENV says otherwise, and dev tools stay off there anyway.
  assert.deepEqual(facts({ DENO_DEPLOYMENT_ID: "abc", DENO_ENV: "development" }), [
    "development",
    false,
    false,
    "1",
  ]);
  assert.deepEqual(facts({ DENO_ENV: "production", SEED_DEMO: "1" }), [
    "production",
    true,
    false,
    "1",
  ]);
  assert.deepEqual(facts({ SEED_DEMO: "0" }), ["development", false, true, "0"]);
});

Deno.test({
  name: "dev outbox: this machine only, never through a proxy, another address or another Host",
  ignore: other === null,
  sanitizeResources: false,
  fn: async () => {
    const srv = await startTestServer({
      listen: true,
      hostname: "0.0.0.0",
      env: { TRUSTED_PROXIES: "loopback" },
    });
    const port = new URL(srv.url).port;
    const proxy = startProxy(`http://127.0.0.1:${port}`, { hostname: other! });
    try {
      assert.equal(await status(`http://127.0.0.1:${port}/dev/outbox`), 200, "this machine");
      assert.equal(await status(`http://localhost:${port}/dev/outbox`), 200, "localhost");
      assert.equal(await status(`http://${other}:${port}/dev/outbox`), 404, "another address");
      assert.equal(await status(`${proxy.url}/dev/outbox`), 404, "through a trusted proxy");
      assert.equal(
        await status(`http://127.0.0.1:${port}/dev/outbox`, { "x-forwarded-for": "127.0.0.1" }),
        404,
        "a forwarded header, even one that claims loopback",
      );
      // fetch keeps its own Host; node:http sends the one given.
      const rebound = await rawRequest(`http://127.0.0.1:${port}/dev/outbox`, {
        headers: { host: `rebound.example:${port}` },
      });
      assert.equal(rebound.status, 404, "DNS rebinding: a loopback peer under another name");
    } finally {
      await proxy.close();
      await srv.close();
    }
  },
});

Deno.test({
  name: "dev outbox: never on Deno Deploy or in production, even from loopback",
  sanitizeResources: false,
  fn: async () => {
    const envs: Record<string, string>[] = [
      { DENO_DEPLOYMENT_ID: "dep-1" },
      { DENO_DEPLOYMENT_ID: "dep-1", DENO_ENV: "development" },
      { DENO_ENV: "production" },
    ];
    for (const env of envs) {
      const srv = await startTestServer({ listen: true, env });
      try {
        assert.equal(await status(`${srv.url}/dev/outbox`), 404, JSON.stringify(env));
      } finally {
        await srv.close();
      }
    }
  },
});
