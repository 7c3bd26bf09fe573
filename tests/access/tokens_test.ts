import fc from "fast-check";
import {
  createLink,
  hashLinkToken,
  isWellFormedLinkToken,
  LINK_IDLE_TTL_MS,
  type LinkRecord,
  revokeLinks,
  verifyLink,
} from "@/lib/access/tokens.ts";
import { UnknownCustomerError } from "@/lib/orders/customers.ts";
import assert from "node:assert/strict";
import { countingKv, DAY, dumpKv, openServices, seedOrg } from "@/tests/access/access_helpers.ts";

const TOKEN_RE = /^mpl_[A-Za-z0-9_-]{49}$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

Deno.test("createLink: prefixed URL-safe token, URL on the public origin, 90-day expiry", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const link = await createLink(s, "acme", "C1", {});
    assert.match(link.token, TOKEN_RE);
    assert(isWellFormedLinkToken(link.token));
    assert.deepEqual(link.url, `https://portal.example/customer/${link.token}`);
    assert.deepEqual(Date.parse(link.expires_at) - s.clock.now().getTime(), LINK_IDLE_TTL_MS);
    const other = await createLink(s, "acme", "C1", {});
    assert(other.token !== link.token, "every link is new");
  } finally {
    s.close();
  }
});

Deno.test("createLink refuses an unknown org or customer", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    await assert.rejects(() => createLink(s, "acme", "NOPE", {}), UnknownCustomerError);
    await assert.rejects(() => createLink(s, "other", "C1", {}), UnknownCustomerError);
  } finally {
    s.close();
  }
});

Deno.test("any mutation of a valid token is rejected before any KV operation", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const { token } = await createLink(s, "acme", "C1", {});
    const counting = countingKv(s.kv);
    const cs = { ...s, kv: counting.kv };

    const mutation = fc.oneof(
      // Replace one character by another URL-safe one.
      fc.record({
        kind: fc.constant("replace" as const),
        at: fc.nat(token.length - 1),
        ch: fc.constantFrom(...ALPHABET),
      }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat(token.length - 1) }),
      fc.record({
        kind: fc.constant("insert" as const),
        at: fc.nat(token.length),
        ch: fc.constantFrom(...ALPHABET),
      }),
      fc.record({ kind: fc.constant("swap" as const), at: fc.nat(token.length - 2) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(token.length - 1) }),
      fc.record({ kind: fc.constant("suffix" as const), s: fc.string({ minLength: 1 }) }),
      fc.record({ kind: fc.constant("case" as const), at: fc.nat(token.length - 1) }),
    );
    const apply = (m: Record<string, unknown>) => {
      const at = m.at as number;
      switch (m.kind) {
        case "replace":
          return token.slice(0, at) + m.ch + token.slice(at + 1);
        case "delete":
          return token.slice(0, at) + token.slice(at + 1);
        case "insert":
          return token.slice(0, at) + m.ch + token.slice(at);
        case "swap":
          return token.slice(0, at) + token[at + 1] + token[at] + token.slice(at + 2);
        case "truncate":
          return token.slice(0, at);
        case "suffix":
          return token + m.s;
        default: {
          const c = token[at];
          const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
          return token.slice(0, at) + flipped + token.slice(at + 1);
        }
      }
    };
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const mutated = apply(m as Record<string, unknown>);
        if (mutated === token) return; // a no-op mutation (same char) is the token itself
        const before = counting.calls();
        const v = await verifyLink(cs, mutated);
        assert.deepEqual(v, { ok: false, reason: "malformed" }, `mutation ${JSON.stringify(m)}`);
        assert.deepEqual(counting.calls(), before, "no KV operation for a malformed token");
      }),
      { numRuns: 2000 },
    );
    // Arbitrary strings too, including non-ASCII and huge ones.
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (junk) => {
        const v = await verifyLink(cs, junk);
        assert.deepEqual(v.ok, false);
      }),
    );
    assert.deepEqual(counting.calls(), 0);
    assert.deepEqual((await verifyLink(cs, "mpl_" + "A".repeat(49))).ok, false);
    assert.deepEqual((await verifyLink(cs, "x".repeat(100_000))).ok, false);
    assert.deepEqual(counting.calls(), 0);
  } finally {
    s.close();
  }
});

Deno.test("tokens are stored only as SHA-256 hashes: the raw token appears nowhere in KV", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1", "C2"]);
    const tokens: string[] = [];
    for (const ref of ["C1", "C2", "C1"]) tokens.push((await createLink(s, "acme", ref, {})).token);
    await verifyLink(s, tokens[0]);
    s.clock.advance(2 * DAY);
    await verifyLink(s, tokens[0]); // renewal rewrites the record
    await revokeLinks(s.kv, "acme", "C2", s.clock.now());
    const dump = await dumpKv(s.kv);
    for (const t of tokens) {
      assert(!dump.includes(t), "raw token in KV");
      assert(!dump.includes(t.slice(4, 30)), "part of a raw token in KV");
      assert(dump.includes(await hashLinkToken(t)), "the hash is the key");
    }
  } finally {
    s.close();
  }
});

Deno.test("verifyLink: valid link gives org, customer and hash; unknown well-formed token does not", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const { token } = await createLink(s, "acme", "C1", {});
    const v = await verifyLink(s, token);
    assert(v.ok);
    assert.deepEqual(v.org.slug, "acme");
    assert.deepEqual(v.customer.ref, "C1");
    assert.deepEqual(v.tokenHash, await hashLinkToken(token));
    // A token of the right shape that was never issued.
    const { token: stranger } = await createLink(s, "acme", "C1", {});
    await revokeLinks(s.kv, "acme", "C1");
    await s.kv.delete(["link", await hashLinkToken(stranger)]);
    assert.deepEqual(await verifyLink(s, stranger), { ok: false, reason: "unknown" });
  } finally {
    s.close();
  }
});

Deno.test("a link expires 90 days after its last use; the org is still known for the error page", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const { token } = await createLink(s, "acme", "C1", {});
    s.clock.advance(90 * DAY - 1000);
    assert((await verifyLink(s, token)).ok, "still valid a second before 90 days idle");

    const { token: idle } = await createLink(s, "acme", "C1", {});
    s.clock.advance(90 * DAY);
    const v = await verifyLink(s, idle);
    assert.deepEqual(v.ok, false);
    if (!v.ok) {
      assert.deepEqual(v.reason, "expired");
      assert.deepEqual(v.org?.slug, "acme");
    }
  } finally {
    s.close();
  }
});

Deno.test("use renews the link: 90 days from the last use, written at most once a day", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const { token } = await createLink(s, "acme", "C1", {});
    const key = ["link", await hashLinkToken(token)];
    const stamp = async () => (await s.kv.get<LinkRecord>(key)).versionstamp;

    const created = await stamp();
    // Many uses within the first day: no write at all.
    for (let i = 0; i < 24; i++) {
      assert((await verifyLink(s, token)).ok);
      s.clock.advance(59 * 60 * 1000);
    }
    assert.deepEqual(await stamp(), created, "no renewal write within a day");
    s.clock.advance(60 * 60 * 1000); // now more than a day since creation
    assert((await verifyLink(s, token)).ok);
    const renewed = await stamp();
    assert(renewed !== created, "renewed after a day");
    const rec = (await s.kv.get<LinkRecord>(key)).value!;
    assert.deepEqual(rec.last_used_at, s.clock.now().toISOString());
    assert.deepEqual(Date.parse(rec.expires_at), s.clock.now().getTime() + LINK_IDLE_TTL_MS);
    for (let i = 0; i < 10; i++) assert((await verifyLink(s, token)).ok);
    assert.deepEqual(await stamp(), renewed, "still one write a day");

    // Used every 80 days, the link outlives its first 90 days many times over.
    for (let i = 0; i < 5; i++) {
      s.clock.advance(80 * DAY);
      assert((await verifyLink(s, token)).ok, `use ${i} after 80 idle days`);
    }
    s.clock.advance(90 * DAY);
    assert.deepEqual((await verifyLink(s, token)).ok, false);
  } finally {
    s.close();
  }
});

Deno.test("revokeLinks revokes every link of that customer at once, and only theirs", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1", "C2"]);
    await seedOrg(s.kv, "other", ["C1"]);
    const c1 = await Promise.all([1, 2, 3].map(() => createLink(s, "acme", "C1", {})));
    const c2 = await createLink(s, "acme", "C2", {});
    const otherC1 = await createLink(s, "other", "C1", {});
    for (const l of c1) assert((await verifyLink(s, l.token)).ok);

    assert.deepEqual(await revokeLinks(s.kv, "acme", "C1"), 3);
    for (const l of c1) {
      const v = await verifyLink(s, l.token);
      assert.deepEqual(v.ok, false);
      if (!v.ok) {
        assert.deepEqual(v.reason, "revoked");
        assert.deepEqual(v.org?.slug, "acme");
      }
    }
    assert((await verifyLink(s, c2.token)).ok, "another customer's link lives on");
    assert((await verifyLink(s, otherC1.token)).ok, "same ref in another org lives on");
    assert.deepEqual(await revokeLinks(s.kv, "acme", "C1"), 0, "nothing left to revoke");

    // A new link after revocation works; a renewal racing the revocation cannot revive it.
    const fresh = await createLink(s, "acme", "C1", {});
    assert((await verifyLink(s, fresh.token)).ok);
    s.clock.advance(2 * DAY);
    await Promise.all([verifyLink(s, fresh.token), revokeLinks(s.kv, "acme", "C1")]);
    assert.deepEqual((await verifyLink(s, fresh.token)).ok, false);
  } finally {
    s.close();
  }
});

Deno.test("a link of a deleted customer is unknown (the org is still named)", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const { token } = await createLink(s, "acme", "C1", {});
    await s.kv.delete(["customers", "acme", "C1"]);
    const v = await verifyLink(s, token);
    assert.deepEqual(v.ok, false);
    if (!v.ok) {
      assert.deepEqual(v.reason, "unknown");
      assert.deepEqual(v.org?.slug, "acme");
    }
  } finally {
    s.close();
  }
});

Deno.test("revokeLinks handles more links than one atomic operation holds", async () => {
  const s = await openServices();
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const links = [];
    for (let i = 0; i < 450; i++) links.push(await createLink(s, "acme", "C1", {}));
    assert.deepEqual(await revokeLinks(s.kv, "acme", "C1"), 450);
    assert.deepEqual((await verifyLink(s, links[0].token)).ok, false);
    assert.deepEqual((await verifyLink(s, links[449].token)).ok, false);
  } finally {
    s.close();
  }
});
