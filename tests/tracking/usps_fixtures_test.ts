/**
 * The production USPS adapter fed USPS's published answers (tests/fixtures/carriers/usps,
 * see SOURCES.md) byte for byte through the local USPS server.
 */
import { UspsAdapter } from "@/lib/tracking/usps.ts";
import assert from "node:assert/strict";
import { FakeUsps, USPS_DELIVERED } from "@/tests/fakes/carriers/usps.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = () =>
  contractSetup(new FakeUsps(), (o) => new UspsAdapter(o), {
    clientId: "usps-id",
    clientSecret: "usps-secret",
  });

const N = USPS_DELIVERED; // 9400109104250532908587, the number of the real capture

async function one(file: string, opts: { status?: number } = {}) {
  const t = await setup();
  t.fake.serveFixtureFor(N, { file, ...opts });
  const r = (await trackAll(t.adapter(), [N])).get(N);
  return { t, r };
}

Deno.test("USPS sample (real capture): delivered to a parcel locker; GMTOffset kept", async () => {
  const { t, r } = await one("usps/delivered_parcel_locker.json");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "delivered");
  assert.deepEqual(s.events.map((e) => e.carrier_code), [
    "GX",
    "03",
    "SF",
    "10",
    "T1",
    "TL",
    "TL",
    "TL",
    "A1",
    "07",
    "OF",
    "01",
  ]);
  assert.deepEqual(s.events.at(-1), {
    status: "delivered",
    occurred_at: "2024-11-22T13:58:00-05:00",
    description: "Delivered, Parcel Locker",
    location: "Hernando, FL",
    carrier_code: "01",
  });
  // The same instant as USPS's own GMTTimestamp (2024-11-22T18:58:40Z, to the minute).
  assert.deepEqual(
    new Date(s.events.at(-1)!.occurred_at).toISOString(),
    "2024-11-22T18:58:00.000Z",
  );
  assert.deepEqual(s.delivery, {
    left_at: "parcel_locker",
    left_at_text: "Parcel Locker",
    proof_of_delivery: { available: false },
  });
});

Deno.test("USPS sample (README): accepted; its 'Z' time is local and resolves in Richmond VA", async () => {
  const { t, r } = await one("usps/accepted_readme.json");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "picked_up");
  assert.deepEqual(s.events, [{
    status: "picked_up",
    occurred_at: "2023-08-02T07:31:00-04:00",
    description: "USPS in possession of item",
    location: "Richmond, VA",
    carrier_code: "03",
    time_zone: "America/New_York",
  }]);
});

Deno.test("USPS sample: in transit with an expected delivery date", async () => {
  const { t, r } = await one("usps/in_transit_edited.json");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "in_transit");
  assert.deepEqual(s.estimated_delivery, "2024-11-22");
  assert.deepEqual(s.events.at(-1)!.occurred_at, "2024-11-20T01:13:00-05:00");
  assert.deepEqual(s.delivery, undefined);
});

Deno.test("USPS sample: a notice left is an exception with its reason", async () => {
  const { t, r } = await one("usps/alert_notice_left.json");
  await using _ = t;
  const s = ok(r);
  assert.deepEqual(s.status, "exception");
  assert.deepEqual(s.delivery, { delay_reason: "Notice Left (No Authorized Recipient Available)" });
});

Deno.test("USPS samples: 400 with the Error Inventory's not-yet codes and 404 are awaiting first scan, not errors", async () => {
  for (
    const [file, status, code] of [
      ["usps/not_found_150001.json", 400, "150001"],
      ["usps/not_found_150002.json", 400, "150002"],
    ] as const
  ) {
    const { t, r } = await one(file, { status });
    await using _ = t;
    assert.deepEqual(awaiting(r), code);
    assert.deepEqual(
      t.calls.filter((c) => c.kind === "track").map((c) => [c.outcome, c.http_status, c.detail]),
      [["not_found", 400, code]],
    );
  }
  const { t, r } = await one("usps/not_available_404.json", { status: 404 });
  await using _ = t;
  awaiting(r);
});

Deno.test("USPS sample: any other documented 400 is a bad request", async () => {
  const { t, r } = await one("usps/error_spec_example.json", { status: 400 });
  await using _ = t;
  assert.deepEqual(!r!.ok && [r!.reason, r!.message], ["bad_request", "string"]);
});

Deno.test("USPS: the token request is JSON as USPS documents it, asking for the tracking scope", async () => {
  await using t = await setup();
  t.fake.serveFixture("token", { file: "usps/oauth_token_readme.json" });
  t.fake.serveFixtureFor(N, { file: "usps/delivered_parcel_locker.json" });
  ok((await trackAll(t.adapter(), [N])).get(N));
  const tokenReq = t.fake.calls.find((c) => c.path === "/oauth2/v3/token")!;
  assert.deepEqual(tokenReq.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(tokenReq.body), {
    grant_type: "client_credentials",
    client_id: "usps-id",
    client_secret: "usps-secret",
    scope: "tracking",
  });
  // The README's token (string expires_in "11111") is used for the call.
  const track = t.fake.calls.find((c) => c.path.startsWith("/tracking/v3/"))!;
  assert.deepEqual(track.headers.authorization, "Bearer XXXXXXXXXXXXXXXXX");
});

Deno.test("USPS samples: invalid client and a token without the tracking scope are auth failures", async () => {
  {
    await using t = await setup();
    t.fake.serveFixture("token", { file: "usps/oauth_error_401.json", status: 401 });
    const r = (await trackAll(t.adapter(), [N])).get(N)!;
    assert.deepEqual(!r.ok && r.reason, "auth");
    assert.deepEqual(t.fake.trackCalls, 0);
  }
  {
    await using t = await setup();
    t.fake.serveFixture("track", { file: "usps/unauthorized_scope_401.json", status: 401 }, 2);
    const r = (await trackAll(t.adapter(), [N])).get(N)!;
    assert.deepEqual(!r.ok && [r.reason, r.message], [
      "auth",
      "The client application identifier is invalid.",
    ]);
  }
});
