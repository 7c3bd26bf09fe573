import { decideBatch, hitRateLimit, type RateSubject, WINDOW_MS } from "@/lib/access/rate_limit.ts";
import assert from "node:assert/strict";
import { openServices } from "@/tests/access/access_helpers.ts";

const SUBJECT: RateSubject = { kind: "link", id: "a".repeat(64) };

Deno.test("exactly 100 requests are allowed in an hour; the 101st is refused", async () => {
  const s = await openServices();
  try {
    for (let i = 1; i <= 100; i++) {
      const d = await hitRateLimit(s, SUBJECT);
      assert(d.allowed, `request ${i}`);
      assert.deepEqual(d.limit, 100);
      assert.deepEqual(d.remaining, 100 - i);
      s.clock.advance(1000);
    }
    const d = await hitRateLimit(s, SUBJECT);
    assert.deepEqual(d.allowed, false);
    assert.deepEqual(d.remaining, 0);
    assert(d.retryAfter >= 1 && d.retryAfter <= 3600, `retryAfter ${d.retryAfter}`);
    // Another link has its own budget.
    assert((await hitRateLimit(s, { kind: "link", id: "b".repeat(64) })).allowed);
    // The same id as an address is a different subject.
    assert((await hitRateLimit(s, { kind: "addr", id: SUBJECT.id })).allowed);
  } finally {
    s.close();
  }
});

Deno.test("RATE_LIMIT_PER_HOUR sets the limit", async () => {
  const s = await openServices({ env: { RATE_LIMIT_PER_HOUR: "3" } });
  try {
    const ds = [];
    for (let i = 0; i < 4; i++) ds.push(await hitRateLimit(s, SUBJECT));
    assert.deepEqual(ds.map((d) => d.allowed), [true, true, true, false]);
    assert.deepEqual(ds[0].limit, 3);
  } finally {
    s.close();
  }
});

Deno.test("150 concurrent requests: exactly 100 allowed", async () => {
  const s = await openServices();
  try {
    const ds = await Promise.all(Array.from({ length: 150 }, () => hitRateLimit(s, SUBJECT)));
    assert.deepEqual(ds.filter((d) => d.allowed).length, 100);
    // Remaining counts are handed out once each: 99 … 0.
    const remaining = ds.filter((d) => d.allowed).map((d) => d.remaining).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual((await hitRateLimit(s, SUBJECT)).allowed, false);
  } finally {
    s.close();
  }
});

Deno.test("two KV handles on one file (two processes) share the limit exactly", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/shared.kv`;
  const a = await openServices({ kvPath: path });
  const b = await openServices({ kvPath: path });
  try {
    // Interleaved sequential requests through both handles.
    for (let i = 0; i < 60; i++) {
      assert((await hitRateLimit(i % 2 ? a : b, SUBJECT)).allowed, `sequential ${i}`);
    }
    // Then 120 concurrent requests split across the handles: 40 more fit.
    const ds = await Promise.all(
      Array.from({ length: 120 }, (_, i) => hitRateLimit(i % 2 ? a : b, SUBJECT)),
    );
    assert.deepEqual(ds.filter((d) => d.allowed).length, 40);
    assert.deepEqual((await hitRateLimit(a, SUBJECT)).allowed, false);
    assert.deepEqual((await hitRateLimit(b, SUBJECT)).allowed, false);

    // A fresh subject hammered from both handles at once: still exactly 100.
    const other: RateSubject = { kind: "addr", id: "203.0.113.7" };
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) => hitRateLimit(i % 2 ? a : b, other)),
    );
    assert.deepEqual(burst.filter((d) => d.allowed).length, 100);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the window slides: the last hour counts, with the previous window weighted", async () => {
  const s = await openServices();
  try {
    // Start exactly at a window boundary, use all 100 in the first minute.
    const start = Math.ceil(s.clock.now().getTime() / WINDOW_MS) * WINDOW_MS;
    s.clock.set(new Date(start).toISOString());
    for (let i = 0; i < 100; i++) assert((await hitRateLimit(s, SUBJECT)).allowed);
    const refused = await hitRateLimit(s, SUBJECT);
    assert.deepEqual(refused.allowed, false);
    // Still refused just before the hour is up (not a fixed window that resets early).
    s.clock.set(new Date(start + WINDOW_MS - 1000).toISOString());
    assert.deepEqual((await hitRateLimit(s, SUBJECT)).allowed, false);
    // A quarter into the next window, 25% of the old 100 have slid out: 25 allowed.
    s.clock.set(new Date(start + WINDOW_MS + WINDOW_MS / 4).toISOString());
    let allowed = 0;
    for (let i = 0; i < 40; i++) if ((await hitRateLimit(s, SUBJECT)).allowed) allowed++;
    assert.deepEqual(allowed, 25);
    // Once a whole window has passed after the last request, everything has slid out.
    s.clock.set(new Date(start + 3 * WINDOW_MS + WINDOW_MS / 4).toISOString());
    allowed = 0;
    for (let i = 0; i < 120; i++) if ((await hitRateLimit(s, SUBJECT)).allowed) allowed++;
    assert.deepEqual(allowed, 100);
  } finally {
    s.close();
  }
});

Deno.test("Retry-After points at the moment a request gets through again", async () => {
  const s = await openServices();
  try {
    const start = Math.ceil(s.clock.now().getTime() / WINDOW_MS) * WINDOW_MS;
    s.clock.set(new Date(start + 10 * 60_000).toISOString());
    for (let i = 0; i < 100; i++) assert((await hitRateLimit(s, SUBJECT)).allowed);
    const refused = await hitRateLimit(s, SUBJECT);
    assert.deepEqual(refused.allowed, false);
    assert.deepEqual(refused.resetSeconds, refused.retryAfter);
    // One second early: still refused. At Retry-After: allowed.
    const base = s.clock.now().getTime();
    s.clock.set(new Date(base + (refused.retryAfter - 1) * 1000).toISOString());
    assert.deepEqual((await hitRateLimit(s, SUBJECT)).allowed, false);
    s.clock.set(new Date(base + refused.retryAfter * 1000).toISOString());
    assert((await hitRateLimit(s, SUBJECT)).allowed);
  } finally {
    s.close();
  }
});

Deno.test("decideBatch: refused requests are not counted; remaining and reset are consistent", () => {
  const ds = decideBatch({ current: 98, previous: 0, elapsed: 0, limit: 100, n: 4 });
  assert.deepEqual(ds.map((d) => d.allowed), [true, true, false, false]);
  assert.deepEqual(ds.map((d) => d.remaining), [1, 0, 0, 0]);
  assert.deepEqual(ds[0].resetSeconds, 3600);
  assert.deepEqual(ds[0].retryAfter, 0);
  // Half-way through the window with 100 in the previous one: 50 still count.
  const half = decideBatch({
    current: 0,
    previous: 100,
    elapsed: WINDOW_MS / 2,
    limit: 100,
    n: 60,
  });
  assert.deepEqual(half.filter((d) => d.allowed).length, 50);
  const late = half[59];
  assert.deepEqual(late.allowed, false);
  // The previous window keeps sliding out: a moment later the estimate is under 100.
  assert.deepEqual(late.retryAfter, 1);
  // A full current window must wait for the next one (and a moment into it).
  const full = decideBatch({ current: 100, previous: 0, elapsed: 600_000, limit: 100, n: 1 });
  assert.deepEqual(full[0].retryAfter, 3001);
  // 150 counted in a window (limit lowered since): a third of the next window must pass.
  const over = decideBatch({ current: 150, previous: 0, elapsed: 0, limit: 100, n: 1 });
  assert.deepEqual(over[0].retryAfter, 3600 + 1200 + 1);
});
