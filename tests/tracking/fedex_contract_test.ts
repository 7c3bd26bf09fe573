/** The production FedEx adapter against a local server speaking FedEx's documented format. */
import { FedexAdapter } from "@/lib/tracking/fedex.ts";
import assert from "node:assert/strict";
import { FakeFedex, FEDEX_FIXTURES, notFound } from "@/tests/fakes/carriers/fedex.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = (secret = "fx-secret") =>
  contractSetup(new FakeFedex(), (o) => new FedexAdapter(o), {
    clientId: "fx-id",
    clientSecret: secret,
  });

Deno.test("FedEx: every milestone parses from one multi-number call", async () => {
  await using t = await setup();
  const numbers = [
    "449044304137821",
    "020207021381215",
    "149331877648230",
    "231300687629630",
    "122816215025810",
    "377101283611590",
    "61292701078443410536",
    "647719948679",
  ];
  const res = await trackAll(t.adapter(), numbers);
  assert.deepEqual(t.fake.batches.length, 1);
  assert.deepEqual(t.fake.batches[0], numbers);
  const req = t.fake.calls.find((c) => c.path === "/track/v1/trackingnumbers")!;
  assert.deepEqual(JSON.parse(req.body).includeDetailedScans, true);
  assert.deepEqual(req.headers["content-type"], "application/json");

  const label = ok(res.get("449044304137821"));
  assert.deepEqual(label.status, "label_created");
  assert.deepEqual(label.events.map((e) => e.carrier_code), ["OC"]);
  assert.deepEqual(ok(res.get("020207021381215")).status, "picked_up");

  const transit = ok(res.get("149331877648230"));
  assert.deepEqual(transit.status, "in_transit");
  assert.deepEqual(transit.estimated_delivery, "2026-01-18");
  assert.deepEqual(transit.estimated_window, {
    begins: "2026-01-18T09:00:00-05:00",
    ends: "2026-01-18T13:00:00-05:00",
  });
  // RR (delivery option requested) is not a move: it keeps the status before it.
  const rr = transit.events.find((e) => e.carrier_code === "RR")!;
  assert.deepEqual(rr.status, "in_transit");

  // OD with derivedCode "IT": normalized from the code, not derivedCode.
  assert.deepEqual(ok(res.get("231300687629630")).status, "out_for_delivery");

  const delivered = ok(res.get("122816215025810"));
  assert.deepEqual(delivered.status, "delivered");
  assert.deepEqual(delivered.estimated_delivery, undefined);
  // Newest first on the wire, oldest first here, with the local offset and "City, ST".
  assert.deepEqual(delivered.events.map((e) => e.status), [
    "label_created",
    "picked_up",
    "in_transit",
    "in_transit",
    "out_for_delivery",
    "delivered",
  ]);
  assert.deepEqual(delivered.events[1], {
    status: "picked_up",
    occurred_at: "2026-01-15T10:30:00-06:00",
    description: "Picked up",
    location: "Memphis, TN",
    carrier_code: "PU",
  });

  const exc = ok(res.get("377101283611590"));
  assert.deepEqual(exc.status, "exception");
  assert.deepEqual(exc.events.at(-1)!.carrier_code, "DE/007");
  assert.deepEqual(
    exc.events.at(-1)!.description,
    "Delivery exception: Customer not available or business closed",
  );
  // The empty `window: {}` gives no window.
  assert.deepEqual(exc.estimated_window, undefined);

  assert.deepEqual(ok(res.get("61292701078443410536")).status, "in_transit");
  assert.deepEqual(awaiting(res.get("647719948679")), "TRACKING.TRACKINGNUMBER.NOTFOUND");
});

Deno.test("FedEx: 35 numbers go out as two calls of 30 and 5", async () => {
  await using t = await setup();
  const numbers = Array.from({ length: 35 }, (_, i) => String(100000000000 + i * 7919));
  const res = await trackAll(t.adapter(), numbers);
  assert.deepEqual(t.fake.batches.map((b) => b.length), [30, 5]);
  assert.deepEqual(res.size, 35);
  for (const r of res.values()) awaiting(r);
  assert.deepEqual(t.fake.tokenCalls, 1);
});

Deno.test("FedEx: a 429 on the first batch spends no call on the next one", async () => {
  await using t = await setup();
  t.fake.force({
    status: 429,
    headers: { "retry-after": "60" },
    body: { errors: [{ code: "RATE.LIMIT.EXCEEDED", message: "Too many requests" }] },
  });
  const numbers = Array.from({ length: 35 }, (_, i) => String(100000000000 + i * 7919));
  const res = await trackAll(t.adapter(), numbers);
  assert.deepEqual(t.fake.trackCalls, 1);
  assert.deepEqual(res.size, 35);
  assert([...res.values()].every((r) => !r.ok && r.reason === "rate_limited"));
});

Deno.test("FedEx: the OAuth token is cached in KV and shared by two adapter instances", async () => {
  await using t = await setup();
  await trackAll(t.adapter(), ["122816215025810"]);
  await trackAll(t.adapter(), ["231300687629630"]);
  assert.deepEqual(t.fake.tokenCalls, 1);
  const tokenReq = t.fake.calls.find((c) => c.path === "/oauth/token")!;
  assert.deepEqual(tokenReq.headers["content-type"], "application/x-www-form-urlencoded");
  assert.deepEqual(new URLSearchParams(tokenReq.body).get("grant_type"), "client_credentials");
  // At rest the token is encrypted: the KV value never contains it.
  for await (const e of t.services.kv.list({ prefix: ["tracking_oauth"] })) {
    const raw = JSON.stringify(e.value, (_k, v) => v instanceof Uint8Array ? [...v] : v);
    for (const tok of t.fake.issuedTokens) assert(!raw.includes(tok));
  }
});

Deno.test("FedEx: an expired token gets one refresh, then the call is retried once", async () => {
  await using t = await setup();
  const a = t.adapter();
  ok((await trackAll(a, ["122816215025810"])).get("122816215025810"));
  t.fake.expireTokens();
  const again = await trackAll(a, ["122816215025810"]);
  assert.deepEqual(ok(again.get("122816215025810")).status, "delivered");
  assert.deepEqual(t.fake.tokenCalls, 2);
  assert.deepEqual(t.fake.trackCalls, 3);
  assert.deepEqual(t.calls.map((c) => `${c.kind}:${c.outcome}:${c.http_status}`), [
    "oauth:ok:200",
    "track:ok:200",
    "track:auth:401",
    "oauth:ok:200",
    "track:ok:200",
  ]);
  // A token that keeps being refused is an auth failure, not a loop.
  t.fake.force({ status: 401, body: { errors: [{ code: "NOT.AUTHORIZED.ERROR" }] } }, 2);
  const refused = (await trackAll(a, ["122816215025810"])).get("122816215025810")!;
  assert.deepEqual(!refused.ok && refused.reason, "auth");
  assert.deepEqual(t.fake.trackCalls, 5);
});

Deno.test("FedEx: 429 carries Retry-After; 500 and 503 are server errors", async () => {
  await using t = await setup();
  t.fake.force({
    status: 429,
    headers: { "retry-after": "120" },
    body: {
      errors: [{ code: "RATE.LIMIT.EXCEEDED", message: "Daily transaction quota exceeded" }],
    },
  });
  const limited = (await trackAll(t.adapter(), ["122816215025810"])).get("122816215025810")!;
  assert.deepEqual(limited, {
    ok: false,
    reason: "rate_limited",
    retryAfter: 120,
    message: "RATE.LIMIT.EXCEEDED",
  });
  t.fake.force({ status: 500, body: { errors: [{ code: "INTERNAL.SERVER.ERROR" }] } });
  t.fake.force({ status: 503, body: { errors: [{ code: "SERVICE.UNAVAILABLE.ERROR" }] } });
  for (let i = 0; i < 2; i++) {
    const r = (await trackAll(t.adapter(), ["122816215025810"])).get("122816215025810")!;
    assert.deepEqual(!r.ok && r.reason, "server_error");
  }
});

Deno.test("FedEx: wrong credentials are an auth failure for every number; logs carry no token", async () => {
  await using t = await setup("wrong");
  const res = await trackAll(t.adapter(), ["122816215025810", "231300687629630"]);
  assert([...res.values()].every((r) => !r.ok && r.reason === "auth"));
  assert.deepEqual(t.fake.trackCalls, 0);
  assert.deepEqual(t.calls.map((c) => `${c.kind}:${c.outcome}:${c.http_status}`), [
    "oauth:auth:401",
  ]);
});

Deno.test("FedEx: a malformed number is refused before any call", async () => {
  await using t = await setup();
  const res = await trackAll(t.adapter(), ["<script>"]);
  assert.deepEqual(res.get("<script>")!.ok, false);
  assert.deepEqual(t.fake.calls.length, 0);
});

Deno.test("FedEx: a duplicated number with several trackResults takes the one without an error", async () => {
  await using t = await setup();
  t.fake.fixtures.set("797806677146", [
    notFound("797806677146"),
    FEDEX_FIXTURES["231300687629630"],
  ]);
  const r = (await trackAll(t.adapter(), ["797806677146"])).get("797806677146");
  assert.deepEqual(ok(r).status, "out_for_delivery");
});

Deno.test("FedEx: the token (expires_in 3599 s) is reused until 5 minutes before it expires", async () => {
  await using t = await setup();
  const a = t.adapter();
  await trackAll(a, ["122816215025810"]);
  t.services.clock.advance(54 * 60_000);
  await trackAll(a, ["122816215025810"]);
  assert.deepEqual(t.fake.tokenCalls, 1);
  t.services.clock.advance(2 * 60_000); // 56 min: inside the refresh margin
  await trackAll(a, ["122816215025810"]);
  assert.deepEqual(t.fake.tokenCalls, 2);
});
