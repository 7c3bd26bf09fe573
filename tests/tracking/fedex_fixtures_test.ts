/**
 * The production FedEx adapter fed FedEx's published answers (tests/fixtures/carriers/fedex,
 * see SOURCES.md) byte for byte through the local FedEx server.
 */
import { FedexAdapter } from "@/lib/tracking/fedex.ts";
import assert from "node:assert/strict";
import { FakeFedex } from "@/tests/fakes/carriers/fedex.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = () =>
  contractSetup(new FakeFedex(), (o) => new FedexAdapter(o), {
    clientId: "fx-id",
    clientSecret: "fx-secret",
  });

const DUP = "776094337676";
const trackBody = (t: { fake: FakeFedex }) =>
  t.fake.calls.filter((c) => c.path === "/track/v1/trackingnumbers").map((c) => ({
    body: JSON.parse(c.body),
    txn: c.headers["x-customer-transaction-id"],
  }));

Deno.test("FedEx sample: a reused number gives the shipment shipped nearest our shipped_at", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/duplicate_number.json" }, 2);
  const later = ok(
    (await trackAll(t.adapter(), [{
      tracking_number: DUP,
      shipped_at: "2024-04-25T09:00:00-07:00",
    }])).get(DUP),
  );
  assert.deepEqual(later.status, "delivered");
  assert.deepEqual(later.carrier_ref, "2460426000~776094337676~FX");
  assert.deepEqual(later.events.at(-1), {
    status: "delivered",
    occurred_at: "2024-04-26T09:26:00-07:00",
    description: "Delivered",
    carrier_code: "DL",
  });
  assert.deepEqual(later.delivery, {
    received_by: "D.HERRERA",
    left_at: "residence",
    left_at_text: "Residence",
    proof_of_delivery: {
      available: true,
      kind: "signature",
      document: "fedex_signature_proof_of_delivery",
    },
  });

  const earlier = ok(
    (await trackAll(t.adapter(), [{
      tracking_number: DUP,
      shipped_at: "2024-04-24T08:00:00-07:00",
    }])).get(DUP),
  );
  assert.deepEqual(earlier.status, "in_transit");
  assert.deepEqual(earlier.carrier_ref, "2460425000~776094337676~FX");
  // Not one event of the other shipment.
  assert(!earlier.events.some((e) => e.carrier_code === "DL"));
  assert.deepEqual(earlier.events[0].occurred_at, "2024-04-24T15:30:57-05:00");
  assert.deepEqual(earlier.delivery, {
    delay_reason: "Package delayed",
    window: { ends: "2024-04-25T10:30:00-07:00" },
  });
});

Deno.test("FedEx sample: the remembered unique id is asked for and wins over the ship date", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/duplicate_number.json" });
  const r = ok(
    (await trackAll(t.adapter(), [{
      tracking_number: DUP,
      shipped_at: "2024-04-25T09:00:00-07:00",
      carrier_ref: "2460425000~776094337676~FX",
    }])).get(DUP),
  );
  assert.deepEqual(r.carrier_ref, "2460425000~776094337676~FX");
  assert.deepEqual(r.status, "in_transit");
  const [sent] = trackBody(t);
  assert.deepEqual(sent.body.trackingInfo, [{
    trackingNumberInfo: {
      trackingNumber: DUP,
      trackingNumberUniqueId: "2460425000~776094337676~FX",
    },
  }]);
});

Deno.test("FedEx sample: a reused number whose results are all far from our ship date is awaiting first scan", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/duplicate_number.json" });
  const r = (await trackAll(t.adapter(), [{
    tracking_number: DUP,
    shipped_at: "2024-07-01T09:00:00-07:00",
  }])).get(DUP);
  assert(awaiting(r).includes("near our ship date"));
});

Deno.test("FedEx sample: data with an empty error object is a result, not an error", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/empty_error_object.json" });
  const r = ok((await trackAll(t.adapter(), [DUP])).get(DUP));
  assert.deepEqual(r.status, "delivered");
  assert.deepEqual(r.delivery?.received_by, "D.HERRERA");
  assert.deepEqual(r.events.length, 8);
});

Deno.test("FedEx sample: x-customer-transaction-id is sent, unique per call and logged with the call", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/empty_error_object.json" }, 2);
  await trackAll(t.adapter(), [DUP]);
  await trackAll(t.adapter(), [DUP]);
  const sent = trackBody(t).map((b) => b.txn);
  assert.deepEqual(sent.length, 2);
  assert(sent.every((id) => /^[0-9a-f-]{36}$/.test(id)) && sent[0] !== sent[1]);
  assert.deepEqual(
    t.calls.filter((c) => c.kind === "track").map((c) => c.transaction_id),
    sent,
  );
});

Deno.test("FedEx sample: spec example with two numbers, a delay, a window without offset and a not-found", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/track_spec_example.json" });
  const res = await trackAll(t.adapter(), ["123456789012", "39936862321"]);
  const r = ok(res.get("123456789012"));
  assert.deepEqual(r.status, "picked_up");
  assert.deepEqual(r.events, [{
    status: "picked_up",
    occurred_at: "2018-02-02T12:01:00-07:00",
    description: "Picked Up: Package available for clearance",
    location: "Seattle, WA",
    carrier_code: "PU/A25",
  }]);
  assert.deepEqual(r.estimated_delivery, "2021-10-15");
  // "begins" has no offset: resolved at the destination (Seattle, PDT in October).
  assert.deepEqual(r.estimated_window, {
    begins: "2021-10-01T08:00:00-07:00",
    ends: "2021-10-15T00:00:00-06:00",
  });
  assert.deepEqual(r.delivery?.delay_reason, "Customer not available or business closed");
  assert.deepEqual(r.delivery?.revised_estimate, "2021-10-15");
  // Not delivered: the spec's placeholder receiver is no delivery fact.
  assert.deepEqual(r.delivery?.received_by, undefined);
  assert.deepEqual(awaiting(res.get("39936862321")), "TRACKING.TRACKINGNUMBER.NOTFOUND");
});

Deno.test("FedEx sample: a Ground pickup scan without offset is resolved in its place's zone", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/delivered_ground_local_pickup.json" });
  const r = ok((await trackAll(t.adapter(), ["738488882438"])).get("738488882438"));
  assert.deepEqual(r.status, "delivered");
  const pickup = r.events.find((e) => e.carrier_code === "PU")!;
  assert.deepEqual(pickup, {
    status: "picked_up",
    occurred_at: "2024-08-15T00:00:00-05:00",
    description: "Picked up",
    location: "Mankato, MN",
    carrier_code: "PU",
    time_zone: "America/Chicago",
  });
  assert.deepEqual(r.events.at(-1)!.occurred_at, "2024-08-20T12:41:57-04:00");
  assert.deepEqual(r.estimated_delivery, undefined);
  assert.deepEqual(r.delivery, {
    received_by: "CREILLY",
    proof_of_delivery: {
      available: true,
      kind: "signature",
      document: "fedex_signature_proof_of_delivery",
    },
  });
  assert.deepEqual(r.carrier_ref, "12028~738488882438~FDEG");
});

Deno.test("FedEx sample: in transit with a delay (latest FD, derivedCode RL)", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/in_transit_delayed.json" });
  const r = ok((await trackAll(t.adapter(), [DUP])).get(DUP));
  assert.deepEqual(r.status, "in_transit");
  assert.deepEqual(r.events.map((e) => e.carrier_code), [
    "OC",
    "PU",
    "AO",
    "DP",
    "AR",
    "DP",
    "AR",
    "DY/A52",
    "HP",
    "AR",
  ]);
  assert.deepEqual(r.events.find((e) => e.carrier_code === "DY/A52")!.status, "exception");
  assert.deepEqual(r.delivery?.delay_reason, "Package delayed");
});

Deno.test("FedEx sample: not found inside HTTP 200 is awaiting first scan and no error", async () => {
  await using t = await setup();
  t.fake.serveFixture("track", { file: "fedex/not_found_200.json" });
  const r = (await trackAll(t.adapter(), ["39936862321"])).get("39936862321");
  assert.deepEqual(awaiting(r), "TRACKING.TRACKINGNUMBER.NOTFOUND");
  assert.deepEqual(
    t.calls.filter((c) => c.kind === "track").map((c) => [c.outcome, c.http_status]),
    [["not_found", 200]],
  );
});

Deno.test("FedEx samples: the documented error bodies", async () => {
  await using t = await setup();
  const n = "122816215025810";
  const answer = async (file: string, status: number) => {
    // A 401 is answered twice: the adapter refreshes its token and retries once.
    t.fake.serveFixture("track", { file, status }, status === 401 ? 2 : 1);
    return (await trackAll(t.adapter(), [n])).get(n)!;
  };
  assert.deepEqual(await answer("fedex/error_400_empty.json", 400), {
    ok: false,
    reason: "bad_request",
    retryAfter: undefined,
    message: "TRACKING.TRACKINGNUMBER.EMPTY",
  });
  const r401 = await answer("fedex/error_401.json", 401);
  assert.deepEqual(!r401.ok && [r401.reason, r401.message], ["auth", "NOT.AUTHORIZED.ERROR"]);
  const r403 = await answer("fedex/error_403.json", 403);
  assert.deepEqual(!r403.ok && [r403.reason, r403.message], ["auth", "FORBIDDEN.ERROR"]);
  assert.deepEqual(awaiting(await answer("fedex/error_404.json", 404)), "NOT.FOUND.ERROR");
  for (const [file, status] of [["fedex/error_500.json", 500], ["fedex/error_503.json", 503]]) {
    const r = await answer(file as string, status as number);
    assert.deepEqual(!r.ok && r.reason, "server_error");
  }
});

Deno.test("FedEx sample: the OAuth answer as published is used and cached", async () => {
  await using t = await setup();
  t.fake.serveFixture("token", { file: "fedex/oauth_token.json" });
  await trackAll(t.adapter(), ["122816215025810"]);
  await trackAll(t.adapter(), ["122816215025810"]);
  const tracks = t.fake.calls.filter((c) => c.path === "/track/v1/trackingnumbers");
  assert.deepEqual(tracks.map((c) => c.headers.authorization), [
    "Bearer access_token",
    "Bearer access_token",
  ]);
  assert.deepEqual(t.fake.tokenCalls, 1);
});
