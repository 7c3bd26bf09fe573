import fc from "fast-check";
import { createApiKey, revokeApiKeys, verifyApiKey } from "@/lib/access/api_keys.ts";
import assert from "node:assert/strict";
import { countingKv, dumpKv, openServices, seedOrg, T0 } from "@/tests/access/access_helpers.ts";

Deno.test("API keys: shown once as mpk_…, stored hashed, resolve to their org", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", []);
    await seedOrg(s.kv, "globex", []);
    const a = await createApiKey(s.kv, "acme", T0);
    const g = await createApiKey(s.kv, "globex", T0);
    assert.match(a.key, /^mpk_[A-Za-z0-9_-]{49}$/);
    assert.deepEqual((await verifyApiKey(s.kv, a.key))?.slug, "acme");
    assert.deepEqual((await verifyApiKey(s.kv, g.key))?.slug, "globex");
    const dump = await dumpKv(s.kv);
    assert(!dump.includes(a.key) && !dump.includes(a.key.slice(4, 30)), "raw key at rest");
  } finally {
    s.close();
  }
});

Deno.test("API keys: malformed keys are refused without a KV read; revocation is immediate", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", []);
    const { key } = await createApiKey(s.kv, "acme", T0);
    const counting = countingKv(s.kv);
    await fc.assert(
      fc.asyncProperty(fc.nat(key.length - 1), fc.constantFrom(..."aZ09-_"), async (at, ch) => {
        const mutated = key.slice(0, at) + ch + key.slice(at + 1);
        if (mutated === key) return;
        assert.deepEqual(await verifyApiKey(counting.kv, mutated), null);
      }),
    );
    for (const bad of ["", "mpk_", key + "x", key.slice(0, -1), "mpl_" + key.slice(4)]) {
      assert.deepEqual(await verifyApiKey(counting.kv, bad), null);
    }
    assert.deepEqual(counting.calls(), 0);

    const second = await createApiKey(s.kv, "acme", T0);
    assert.deepEqual(await revokeApiKeys(s.kv, "acme"), 2);
    assert.deepEqual(await verifyApiKey(s.kv, key), null);
    assert.deepEqual(await verifyApiKey(s.kv, second.key), null);
  } finally {
    s.close();
  }
});

Deno.test("API keys: a key of a deleted org resolves to nothing", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", []);
    const { key } = await createApiKey(s.kv, "acme", T0);
    await s.kv.delete(["orgs", "acme"]);
    assert.deepEqual(await verifyApiKey(s.kv, key), null);
  } finally {
    s.close();
  }
});
