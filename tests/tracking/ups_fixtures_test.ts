/**
 * The production UPS adapter fed UPS's published answers and the samples built from its
 * documented schema and code tables (tests/fixtures/carriers/ups, see SOURCES.md), byte for
 * byte through the local UPS server.
 */
import { UpsAdapter } from "@/lib/tracking/ups.ts";
import assert from "node:assert/strict";
import { FakeUps } from "@/tests/fakes/carriers/ups.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = () =>
  contractSetup(new FakeUps(), (o) => new UpsAdapter(o), {
    clientId: "ups-id",
    clientSecret: "ups-secret",
  });

async function one(file: string, n: string, opts: { status?: number } = {}) {
  const t = await setup();
  t.fake.serveFixtureFor(n, { file, ...opts });
  const r = (await trackAll(t.adapter(), [n])).get(n);
  return { t, r };
}

Deno.test("UPS sample (official Postman): delivered, activities without gmt fields", async () => {
  const { t, r } = await one("ups/delivered_postman.json", "1Z1442YY7229014688");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "delivered");
  assert.deepEqual(s.events, [
    {
      // Only "US" is known of the label's place and the sample names no origin: marked.
      status: "label_created",
      occurred_at: "2022-01-26T15:16:41Z",
      description: "Shipper created a label, UPS has not received the package yet.",
      carrier_code: "M/MP/003",
      time_zone_unknown: true,
    },
    {
      status: "delivered",
      occurred_at: "2022-01-26T16:30:00-05:00",
      description: "DELIVERED",
      location: "Paramus, NJ",
      carrier_code: "D/F4/011",
      time_zone: "America/New_York",
    },
  ]);
  assert.deepEqual(s.estimated_delivery, undefined);
  assert.deepEqual(s.delivery, { proof_of_delivery: { available: false } });
});

Deno.test("UPS sample (Tracking.yaml example): customs release of type X is in transit", async () => {
  const { t, r } = await one("ups/customs_spec_example.json", "1Z023E2X0214323462");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "in_transit");
  assert.deepEqual(s.events, [{
    status: "in_transit",
    occurred_at: "2021-02-10T07:13:56-05:00",
    description: "Your package was released by the customs agency.",
    location: "Wayne, NJ",
    carrier_code: "X/SR/003",
    time_zone: "America/New_York",
  }]);
  // The spec's placeholder dates ("string") give no estimate and no window.
  assert.deepEqual([s.estimated_delivery, s.estimated_window, s.delivery], [
    undefined,
    undefined,
    undefined,
  ]);
});

Deno.test("UPS sample: international customs clearance stays in transit; a scan without offset abroad resolves in its country", async () => {
  const { t, r } = await one("ups/international_customs_clearance.json", "1ZCIETST0111111114");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "in_transit");
  assert.deepEqual(s.events.map((e) => [e.status, e.occurred_at, e.carrier_code]), [
    ["label_created", "2026-01-10T12:00:00+01:00", "M/MP/003"],
    ["picked_up", "2026-01-11T18:10:00+01:00", "I/OR/038"],
    ["in_transit", "2026-01-11T22:40:00+01:00", "I/EP/005"],
    ["in_transit", "2026-01-12T05:15:00-05:00", "I/IP/005"],
    ["in_transit", "2026-01-12T06:30:00-05:00", "X/SR/084"],
    ["in_transit", "2026-01-12T07:40:00-05:00", "X/SR/005"],
  ]);
  assert.deepEqual(s.events[2].time_zone, "Europe/Berlin");
  assert(!s.events.some((e) => e.status === "exception"));
  assert.deepEqual(s.estimated_delivery, "2026-01-14");
});

Deno.test("UPS sample: a customs hold is an exception with its reason", async () => {
  const { t, r } = await one("ups/customs_hold.json", "1Z999AA10123456784");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "exception");
  assert.deepEqual(
    s.delivery?.delay_reason,
    "Your package is pending release from a Government Agency. Once they release it, your package will be on its way.",
  );
});

Deno.test("UPS sample: 'We have your package' (OC, type I) is a pickup; a currentStatus without type is read by its codes", async () => {
  const { t, r } = await one("ups/in_transit_code_without_type.json", "1ZCIETST0422222228");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "in_transit");
  assert.deepEqual(s.events.map((e) => [e.status, e.carrier_code]), [
    ["label_created", "M/MP/003"],
    ["picked_up", "I/OC/160"],
    ["in_transit", "I/DP/005"],
    ["in_transit", "I/AR/005"],
  ]);
  assert.deepEqual(s.estimated_delivery, "2026-01-19");
  const window = { begins: "2026-01-19T09:00:00-05:00", ends: "2026-01-19T12:00:00-05:00" };
  assert.deepEqual(s.estimated_window, window);
  assert.deepEqual(s.delivery, { window });
});

Deno.test("UPS sample: a missed delivery is an exception with the rescheduled date", async () => {
  const { t, r } = await one("ups/exception_rescheduled.json", "1Z204W4R0308071865");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "exception");
  assert.deepEqual(s.estimated_delivery, "2026-01-20");
  assert.deepEqual(s.delivery, {
    delay_reason:
      "The receiver was not available for delivery. We'll make a second attempt the next business day.",
    revised_estimate: "2026-01-20",
  });
  assert.deepEqual(s.events.at(-1)!.occurred_at, "2026-01-17T14:23:00-05:00");
});

Deno.test("UPS sample: a multi-package shipment answers for the package asked about", async () => {
  const { t, r } = await one("ups/multi_package.json", "1Z023E2X0214323462");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "in_transit");
  assert.deepEqual(s.events.map((e) => e.carrier_code), ["I/OR/038", "I/AR/005"]);
});

Deno.test("UPS sample: delivered at the front door with a delivery photo", async () => {
  const { t, r } = await one("ups/delivered_front_door.json", "1Z999AA10123456792");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "delivered");
  assert.deepEqual(s.delivery, {
    left_at: "front_door",
    left_at_text: "Front Door",
    proof_of_delivery: { available: true, kind: "photo" },
  });
});

Deno.test("UPS samples: not found (200 + TW0001, 404) is awaiting first scan; TV1002 is a bad request", async () => {
  await using t = await setup();
  t.fake.serveFixtureFor("1ZCIETST0422222228", { file: "ups/not_found_200.json" });
  t.fake.serveFixtureFor("1ZCIETST0111111114", { file: "ups/not_found_404.json", status: 404 });
  t.fake.serveFixtureFor("1Z999AA10123456784", {
    file: "ups/invalid_inquiry_400.json",
    status: 400,
  });
  const res = await trackAll(t.adapter(), [
    "1ZCIETST0422222228",
    "1ZCIETST0111111114",
    "1Z999AA10123456784",
  ]);
  assert.deepEqual(awaiting(res.get("1ZCIETST0422222228")), "TW0001");
  assert.deepEqual(awaiting(res.get("1ZCIETST0111111114")), "TW0001");
  const bad = res.get("1Z999AA10123456784")!;
  assert.deepEqual(!bad.ok && [bad.reason, bad.message], ["bad_request", "TV1002"]);
  assert.deepEqual(
    t.calls.filter((c) => c.kind === "track").map((c) => [c.outcome, c.http_status, c.detail]),
    [["not_found", 200, "TW0001"], ["not_found", 404, "TW0001"], ["bad_request", 400, "TV1002"]],
  );
});

Deno.test("UPS: transId (unique, 32 characters) and transactionSrc are sent; transId is logged", async () => {
  await using t = await setup();
  t.fake.serveFixtureFor("1ZCIETST0422222228", { file: "ups/in_transit_code_without_type.json" });
  await trackAll(t.adapter(), ["1ZCIETST0422222228"]);
  await trackAll(t.adapter(), ["1ZCIETST0422222228"]);
  const sent = t.fake.calls.filter((c) => c.path.startsWith("/api/track/v1/details/"));
  const ids = sent.map((c) => c.headers["transid"]);
  assert(ids.every((id) => /^[0-9a-f]{32}$/.test(id)) && ids[0] !== ids[1]);
  assert(sent.every((c) => c.headers["transactionsrc"] === "monopilot-portal"));
  assert.deepEqual(t.calls.filter((c) => c.kind === "track").map((c) => c.transaction_id), ids);
});

Deno.test("UPS samples: the OAuth answer as published is used; its 401 is an auth failure", async () => {
  await using t = await setup();
  t.fake.serveFixture("token", { file: "ups/oauth_token.json" });
  t.fake.serveFixtureFor("1ZCIETST0422222228", { file: "ups/in_transit_code_without_type.json" });
  ok((await trackAll(t.adapter(), ["1ZCIETST0422222228"])).get("1ZCIETST0422222228"));
  const track = t.fake.calls.find((c) => c.path.startsWith("/api/track/"))!;
  assert.deepEqual(track.headers.authorization, "Bearer access_token");

  await using u = await setup();
  u.fake.serveFixture("token", { file: "ups/oauth_error_401.json", status: 401 });
  const refused = (await trackAll(u.adapter(), ["1ZCIETST0422222228"])).get("1ZCIETST0422222228")!;
  assert.deepEqual(!refused.ok && refused.reason, "auth");
  assert.deepEqual(u.fake.trackCalls, 0);
});
