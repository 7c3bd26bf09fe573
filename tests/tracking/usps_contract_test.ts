/** The production USPS adapter against a local server speaking USPS's v3 format. */
import { UspsAdapter, uspsOffset, uspsTimestamp } from "@/lib/tracking/usps.ts";
import assert from "node:assert/strict";
import {
  FakeUsps,
  USPS_ACCEPTED,
  USPS_ALERT,
  USPS_DELIVERED,
  USPS_LABEL,
  USPS_NOT_FOUND,
  USPS_OUT,
  USPS_TRANSIT,
} from "@/tests/fakes/carriers/usps.ts";
import { awaiting, contractSetup, ok, trackAll } from "./contract_helpers.ts";

const setup = () =>
  contractSetup(new FakeUsps(), (o) => new UspsAdapter(o), {
    clientId: "usps-id",
    clientSecret: "usps-secret",
  });

Deno.test("USPS: every milestone; local eventTimestamp + GMTOffset → ISO with offset", async () => {
  await using t = await setup();
  const res = await trackAll(t.adapter(), [
    USPS_LABEL,
    USPS_ACCEPTED,
    USPS_TRANSIT,
    USPS_OUT,
    USPS_DELIVERED,
    USPS_ALERT,
  ]);
  const tokenReq = t.fake.calls.find((c) => c.path === "/oauth2/v3/token")!;
  assert.deepEqual(JSON.parse(tokenReq.body).scope, "tracking");
  assert(
    t.fake.calls.some((c) => c.path === `/tracking/v3/tracking/${USPS_DELIVERED}?expand=DETAIL`),
  );

  assert.deepEqual(ok(res.get(USPS_LABEL)).status, "label_created");
  assert.deepEqual(ok(res.get(USPS_ACCEPTED)).status, "picked_up");
  const transit = ok(res.get(USPS_TRANSIT));
  assert.deepEqual(transit.status, "in_transit");
  assert.deepEqual(transit.estimated_delivery, "2026-01-18");
  assert.deepEqual(transit.estimated_window, {
    begins: "2026-01-18T09:00:00-05:00",
    ends: "2026-01-18T13:00:00-05:00",
  });
  // "-300" minutes is -05:00; a facility name without a state stays as given, title-cased.
  assert.deepEqual(transit.events.at(-1)!.occurred_at, "2026-01-16T08:45:00-05:00");
  assert.deepEqual(transit.events[2].location, "Atlanta Ga Distribution Center");
  assert.deepEqual(ok(res.get(USPS_OUT)).status, "out_for_delivery");

  const delivered = ok(res.get(USPS_DELIVERED));
  assert.deepEqual(delivered.status, "delivered");
  assert.deepEqual(delivered.events.map((e) => e.carrier_code), [
    "GX",
    "03",
    "10",
    "TL",
    "07",
    "OF",
    "01",
  ]);
  assert.deepEqual(delivered.events.at(-1), {
    status: "delivered",
    occurred_at: "2026-01-17T13:20:00-05:00",
    description: "Delivered, In/At Mailbox",
    location: "Columbus, OH",
    carrier_code: "01",
  });
  const alert = ok(res.get(USPS_ALERT));
  assert.deepEqual([alert.status, alert.events.at(-1)!.carrier_code], ["exception", "02"]);
});

Deno.test("USPS: 404 'not available' is awaiting first scan; a bad check digit never reaches USPS", async () => {
  await using t = await setup();
  const badCheck = USPS_DELIVERED.slice(0, -1) + ((Number(USPS_DELIVERED.at(-1)) + 1) % 10);
  const res = await trackAll(t.adapter(), [USPS_NOT_FOUND, badCheck]);
  assert.deepEqual(
    awaiting(res.get(USPS_NOT_FOUND)),
    "Tracking is not available for this item at this time.",
  );
  assert.deepEqual(
    !res.get(badCheck)!.ok && (res.get(badCheck) as { reason: string }).reason,
    "bad_request",
  );
  assert.deepEqual(t.fake.trackCalls, 1);
});

Deno.test("USPS: 429 with Retry-After stops the batch; 503 is a server error", async () => {
  await using t = await setup();
  t.fake.force({
    status: 429,
    headers: { "retry-after": "3600" },
    body: {
      apiVersion: "/tracking/v3",
      error: { code: "429", message: "Exceeded quota limit", errors: [] },
    },
  });
  const res = await trackAll(t.adapter(), [USPS_TRANSIT, USPS_DELIVERED]);
  assert.deepEqual(t.fake.trackCalls, 1);
  for (const r of res.values()) {
    assert.deepEqual(!r.ok && [r.reason, r.retryAfter], ["rate_limited", 3600]);
  }
  t.fake.force({ status: 503, headers: { "retry-after": "60" }, body: {} });
  const down = (await trackAll(t.adapter(), [USPS_TRANSIT])).get(USPS_TRANSIT)!;
  assert.deepEqual(!down.ok && [down.reason, down.retryAfter], ["server_error", 60]);
});

Deno.test("USPS: expired token → one refresh and one retry; two instances share the token", async () => {
  await using t = await setup();
  await trackAll(t.adapter(), [USPS_TRANSIT]);
  await trackAll(t.adapter(), [USPS_OUT]);
  assert.deepEqual(t.fake.tokenCalls, 1);
  t.fake.expireTokens();
  assert.deepEqual(
    ok((await trackAll(t.adapter(), [USPS_DELIVERED])).get(USPS_DELIVERED)).status,
    "delivered",
  );
  assert.deepEqual([t.fake.tokenCalls, t.fake.trackCalls], [2, 4]);
  // The retry's 401 was logged as an auth outcome; no row carries the token.
  const text = JSON.stringify(t.calls);
  for (const tok of t.fake.issuedTokens) assert(!text.includes(tok));
  assert(t.calls.some((c) => c.http_status === 401 && c.outcome === "auth"));
});

Deno.test("USPS offsets: '-05:00', '-0500' and the spec's minutes form", () => {
  assert.deepEqual(uspsOffset("-05:00"), "-05:00");
  assert.deepEqual(uspsOffset("-0500"), "-05:00");
  assert.deepEqual(uspsOffset("-420"), "-07:00");
  assert.deepEqual(uspsOffset("+60"), "+01:00");
  assert.deepEqual(uspsOffset("bogus"), undefined);
  assert.deepEqual(
    uspsTimestamp({ eventTimestamp: "2024-11-22T13:58:00", GMTOffset: "-420" }),
    "2024-11-22T13:58:00-07:00",
  );
  // The README's "Z" is local time (its summary says 7:31 am local): with no GMTOffset and no
  // place it stays a wall time marked unknown; with a place it resolves there.
  assert.deepEqual(
    uspsTimestamp({
      eventTimestamp: "2023-08-02T07:31:00Z",
      eventCity: "RICHMOND",
      eventState: "VA",
    }),
    "2023-08-02T07:31:00-04:00",
  );
});
