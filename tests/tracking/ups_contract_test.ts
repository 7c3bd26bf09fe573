/** The production UPS adapter against a local server speaking UPS's documented format. */
import { UpsAdapter, upsTimestamp } from "@/lib/tracking/ups.ts";
import assert from "node:assert/strict";
import { FakeUps, UPS_NOT_FOUND_200, UPS_NOT_FOUND_404 } from "@/tests/fakes/carriers/ups.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = (secret = "ups-secret") =>
  contractSetup(new FakeUps(), (o) => new UpsAdapter(o), {
    clientId: "ups-id",
    clientSecret: secret,
  });

Deno.test("UPS: milestones, local time + gmtOffset → ISO with offset, multi-package", async () => {
  await using t = await setup();
  const res = await trackAll(t.adapter(), [
    "1Z999AA10123456784",
    "1ZCIETST0422222228",
    "1Z999AA10123456792",
    "1ZCIETST0111111114",
    "1Z204W4R0308071865",
    "1Z023E2X0214323462",
  ]);
  const req = t.fake.calls.find((c) => c.path.startsWith("/api/track/v1/details/"))!;
  assert(req.headers["transid"]?.length > 0 && req.headers["transid"].length <= 32);
  assert(req.headers["transactionsrc"]);
  const token = t.fake.calls.find((c) => c.path === "/security/v1/oauth/token")!;
  assert.deepEqual(token.headers["authorization"], `Basic ${btoa("ups-id:ups-secret")}`);

  assert.deepEqual(ok(res.get("1Z999AA10123456784")).status, "label_created");
  const transit = ok(res.get("1ZCIETST0422222228"));
  assert.deepEqual(transit.status, "in_transit");
  assert.deepEqual(transit.estimated_delivery, "2026-01-18");
  assert.deepEqual(transit.estimated_window, {
    begins: "2026-01-18T09:00:00-05:00",
    ends: "2026-01-18T12:00:00-05:00",
  });
  assert.deepEqual(ok(res.get("1Z999AA10123456792")).status, "out_for_delivery");

  const delivered = ok(res.get("1ZCIETST0111111114"));
  assert.deepEqual(delivered.status, "delivered");
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
    occurred_at: "2026-01-15T10:30:00-05:00",
    description: "Origin Scan",
    location: "Atlanta, GA",
    carrier_code: "I/OR/038",
  });
  assert.deepEqual(delivered.events.at(-1)!.occurred_at, "2026-01-17T14:23:00-05:00");

  const exc = ok(res.get("1Z204W4R0308071865"));
  assert.deepEqual([exc.status, exc.events.at(-1)!.carrier_code], ["exception", "X/RS/013"]);

  // Multi-package: the package we asked about, not the first one listed.
  const multi = ok(res.get("1Z023E2X0214323462"));
  assert.deepEqual(multi.status, "picked_up");
  assert.deepEqual(multi.events.length, 2);
  assert.deepEqual(t.fake.tokenCalls, 1);
});

Deno.test("UPS: not found as 200 + TW0001 and as 404", async () => {
  await using t = await setup();
  const res = await trackAll(t.adapter(), [UPS_NOT_FOUND_200, UPS_NOT_FOUND_404]);
  assert.deepEqual(awaiting(res.get(UPS_NOT_FOUND_200)), "TW0001");
  assert.deepEqual(awaiting(res.get(UPS_NOT_FOUND_404)), "TW0001");
  assert.deepEqual(t.calls.filter((c) => c.kind === "track").map((c) => c.http_status), [200, 404]);
});

Deno.test("UPS: expired token → one refresh and one retry; token shared through KV", async () => {
  await using t = await setup();
  await trackAll(t.adapter(), ["1ZCIETST0422222228"]);
  t.fake.expireTokens();
  const res = await trackAll(t.adapter(), ["1ZCIETST0422222228"]);
  assert.deepEqual(ok(res.get("1ZCIETST0422222228")).status, "in_transit");
  assert.deepEqual([t.fake.tokenCalls, t.fake.trackCalls], [2, 3]);
  await trackAll(t.adapter(), ["1ZCIETST0111111114"]);
  assert.deepEqual(t.fake.tokenCalls, 2);
});

Deno.test("UPS: a 429 stops the batch (no calls burnt on the rest) and keeps Retry-After", async () => {
  await using t = await setup();
  t.fake.force({
    status: 429,
    headers: { "retry-after": "30" },
    body: { response: { errors: [{ code: "10429", message: "Too Many Requests" }] } },
  });
  const res = await trackAll(t.adapter(), [
    "1ZCIETST0422222228",
    "1ZCIETST0111111114",
    "1Z999AA10123456784",
  ]);
  assert.deepEqual(t.fake.trackCalls, 1);
  for (const r of res.values()) {
    assert.deepEqual([r.ok, !r.ok && r.reason, !r.ok && r.retryAfter], [false, "rate_limited", 30]);
  }
  t.fake.force({
    status: 503,
    body: { response: { errors: [{ code: "9999", message: "down" }] } },
  });
  const down = await trackAll(t.adapter(), ["1ZCIETST0422222228", "1ZCIETST0111111114"]);
  assert.deepEqual(t.fake.trackCalls, 2);
  assert([...down.values()].every((r) => !r.ok && r.reason === "server_error"));
});

Deno.test("UPS: bad credentials are an auth failure; no tracking call is made", async () => {
  await using t = await setup("nope");
  const res = await trackAll(t.adapter(), ["1ZCIETST0422222228"]);
  assert.deepEqual(res.get("1ZCIETST0422222228")!.ok, false);
  assert.deepEqual(t.fake.trackCalls, 0);
});

Deno.test("UPS timestamps: the spec's own examples, with and without gmtOffset", () => {
  assert.deepEqual(
    upsTimestamp({ date: "20210210", time: "071356", gmtOffset: "-05:00" }),
    "2021-02-10T07:13:56-05:00",
  );
  // The spec example gmtTime "74700" has lost its leading zero.
  assert.deepEqual(upsTimestamp({ gmtDate: "20210210", gmtTime: "74700" }), "2021-02-10T07:47:00Z");
  // Track Alert writes the offset with a dot.
  assert.deepEqual(
    upsTimestamp({ date: "20260117", time: "142300", gmtOffset: "-04.00" }),
    "2026-01-17T14:23:00-04:00",
  );
});

Deno.test("UPS: concurrent batches in one process share one token request", async () => {
  await using t = await setup();
  await Promise.all(
    ["1ZCIETST0422222228", "1ZCIETST0111111114", "1Z999AA10123456784"].map((n) =>
      trackAll(t.adapter(), [n])
    ),
  );
  assert.deepEqual(t.fake.tokenCalls, 1);
  assert.deepEqual(t.fake.trackCalls, 3);
});
