/**
 * Issue 11 over HTTP: the started portal on a real socket (the real queue listener, crons
 * off) with FEDEX_/UPS_/USPS_BASE_URL pointed at the local carrier servers serving the
 * carriers' published samples (tests/fixtures/carriers) and mail sent to a local Resend. Only
 * the admin API and the public tracking API are used, as an ERP and a customer would.
 */
import { setLogSink } from "@/lib/log.ts";
import { startPollCycle } from "@/lib/tracking/poller.ts";
import assert from "node:assert/strict";
import { FakeFedex } from "@/tests/fakes/carriers/fedex.ts";
import { FakeUps } from "@/tests/fakes/carriers/ups.ts";
import { FakeUsps, USPS_DELIVERED } from "@/tests/fakes/carriers/usps.ts";
import { FakeResend } from "@/tests/fakes/resend_server.ts";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";
import { createApiKey } from "@/lib/access/api_keys.ts";
import { createLink } from "@/lib/access/tokens.ts";
import { createOrg } from "@/lib/orders/orgs.ts";

setLogSink(() => {});

/** How long "within seconds" may take here (a loaded 2-core CI machine). */
const WITHIN_MS = 10_000;

// deno-lint-ignore no-explicit-any
type Json = any;

interface World {
  s: TestServer;
  key: string;
  fedex: FakeFedex;
  ups: FakeUps;
  usps: FakeUsps;
  resend: FakeResend;
  /** Link tokens of CUST-1 and CUST-2. */
  tokens: Record<string, string>;
}

async function admin(w: World, method: string, path: string, body?: unknown) {
  const res = await w.s.fetch(`/api/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${w.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() as Json };
}

async function tracking(w: World, customer: string, order: string): Promise<Json> {
  const res = await w.s.fetch(
    `/api/portal/customer/${w.tokens[customer]}/orders/${order}/tracking`,
  );
  assert.deepEqual(res.status, 200);
  return await res.json();
}

/** Polls the tracking API (as the order page's island does) until `done` holds. */
async function until(
  w: World,
  customer: string,
  order: string,
  done: (shipment: Json) => boolean,
  tracking_number: string,
): Promise<{ shipment: Json; ms: number }> {
  const started = Date.now();
  while (true) {
    const body = await tracking(w, customer, order);
    const shipment = body.shipments.find((s: Json) => s.tracking_number === tracking_number);
    if (shipment && done(shipment)) return { shipment, ms: Date.now() - started };
    if (Date.now() - started > WITHIN_MS) {
      throw new Error(`not within ${WITHIN_MS} ms: ${JSON.stringify(shipment)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function order(w: World, number: string, customer: string) {
  const r = await admin(w, "PUT", `/orders/${number}`, {
    customer_ref: customer,
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "processing",
    currency: "USD",
    delivery_address: "Retail Store Co., 456 Commerce St, Columbus, OH",
    lines: [{ item_code: "P-1", description: "Chocolate", qty_ordered: "2", unit_price: "1.50" }],
  });
  assert.deepEqual(r.status, 201, JSON.stringify(r.json));
}

const emailsTo = (w: World, to: string) =>
  w.resend.emails.filter((e) => e.to.includes(to)).map((e) => ({
    subject: e.subject,
    text: e.text ?? "",
  }));

async function waitForEmails(w: World, n: number) {
  const started = Date.now();
  while (w.resend.emails.length < n) {
    if (Date.now() - started > WITHIN_MS) {
      throw new Error(
        `${w.resend.emails.length} of ${n} emails: ${
          JSON.stringify(w.resend.emails.map((e) => e.subject))
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("issue 11 over HTTP against the started portal and the carriers' published samples", async (t) => {
  const fedex = new FakeFedex(), ups = new FakeUps(), usps = new FakeUsps();
  const resend = new FakeResend();
  const s = await startTestServer({
    listen: true,
    background: true,
    env: {
      RATE_LIMIT_PER_HOUR: "100000",
      FEDEX_CLIENT_ID: "fx-id",
      FEDEX_CLIENT_SECRET: "fx-secret",
      FEDEX_BASE_URL: fedex.url,
      UPS_CLIENT_ID: "ups-id",
      UPS_CLIENT_SECRET: "ups-secret",
      UPS_BASE_URL: ups.url,
      USPS_CLIENT_ID: "usps-id",
      USPS_CLIENT_SECRET: "usps-secret",
      USPS_BASE_URL: usps.url,
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
    },
  });
  const w: World = { s, key: "", fedex, ups, usps, resend, tokens: {} };
  try {
    const now = s.clock.now();
    await createOrg(s.services.kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.example",
      support_phone: "(555) 123-4567",
    }, now);
    w.key = (await createApiKey(s.services.kv, "acme", now)).key;
    for (const ref of ["CUST-1", "CUST-2"]) {
      const r = await admin(w, "PUT", `/customers/${ref}`, {
        name: `Customer ${ref}`,
        email: `${ref.toLowerCase()}@retail.example`,
      });
      assert.deepEqual(r.status, 201);
      w.tokens[ref] = (await createLink(s.services, "acme", ref, {})).token;
    }
    for (
      const [n, c] of [["ORD-1", "CUST-1"], ["ORD-2", "CUST-1"], ["ORD-3", "CUST-1"], [
        "ORD-4",
        "CUST-2",
      ]]
    ) await order(w, n, c);

    await t.step('"FedEx" is tracked and its events show within seconds of the PUT', async () => {
      const n = "738488882438";
      fedex.serveFixture("track", { file: "fedex/delivered_ground_local_pickup.json" });
      const put = await admin(w, "PUT", `/orders/ORD-1/shipments/${n}`, {
        carrier: "FedEx",
        shipped_at: "2024-08-15T09:00:00-05:00",
      });
      assert.deepEqual(put.status, 201);
      assert.deepEqual([put.json.carrier, put.json.carrier_name], ["fedex", undefined]);
      // Not fetched yet when stored: no refresh time.
      assert.deepEqual(put.json.last_refreshed_at, undefined);
      const { shipment, ms } = await until(w, "CUST-1", "ORD-1", (x) => x.events.length > 0, n);
      assert(ms < WITHIN_MS);
      assert.deepEqual([shipment.status, shipment.awaiting_carrier], ["delivered", false]);
      assert.deepEqual(shipment.tracking_url, `https://www.fedex.com/fedextrack/?trknbr=${n}`);
      const pickup = shipment.events.find((e: Json) => e.status === "picked_up");
      // A FedEx pickup scan without offset, placed in Mankato, MN (America/Chicago).
      assert.deepEqual(
        [pickup.instant, pickup.local_time, pickup.utc_offset, pickup.time_zone],
        ["2024-08-15T05:00:00.000Z", "2024-08-15T00:00:00-05:00", "-05:00", "America/Chicago"],
      );
      assert.deepEqual(shipment.delivery.received_by, "CREILLY");
      assert.deepEqual(shipment.delivery.proof_of_delivery.kind, "signature");
      // The "delivered" email says who took it and that a signed POD exists.
      await waitForEmails(w, 1);
      const [mail] = emailsTo(w, "cust-1@retail.example");
      assert.deepEqual(mail.subject, "Order ORD-1: Delivered");
      assert.match(mail.text, /Received by: CREILLY\./);
      assert.match(mail.text, /signed proof of delivery/);
    });

    await t.step(
      '"Acme Freight" is a manual carrier shown as sent, awaiting the carrier',
      async () => {
        const calls = fedex.trackCalls + ups.trackCalls + usps.trackCalls;
        const put = await admin(w, "PUT", "/orders/ORD-1/shipments/PRO-778", {
          carrier: "Acme Freight",
          shipped_at: "2026-01-15T10:30:00-05:00",
        });
        assert.deepEqual([put.status, put.json.carrier, put.json.carrier_name], [
          201,
          "manual",
          "Acme Freight",
        ]);
        const body = await tracking(w, "CUST-1", "ORD-1");
        const manual = body.shipments.find((x: Json) => x.tracking_number === "PRO-778");
        assert.deepEqual(
          [
            manual.carrier_name,
            manual.tracking_url,
            manual.last_refreshed_at,
            manual.awaiting_carrier,
          ],
          ["Acme Freight", null, null, true],
        );
        assert.deepEqual(body.awaiting_carrier, true);
        assert.deepEqual(fedex.trackCalls + ups.trackCalls + usps.trackCalls, calls);
        // A name that is not one line is refused, as before any other bad field.
        const bad = await admin(w, "PUT", "/orders/ORD-1/shipments/PRO-779", {
          carrier: "Acme\nFreight",
          shipped_at: "2026-01-15T10:30:00-05:00",
        });
        assert.deepEqual([bad.status, Object.keys(bad.json.error.fields)], [422, ["carrier"]]);
      },
    );

    await t.step(
      "an international UPS shipment in customs clearance: in transit, no exception email",
      async () => {
        const n = "1ZCIETST0111111114";
        ups.serveFixtureFor(n, { file: "ups/international_customs_clearance.json" });
        const before = w.resend.emails.length;
        const put = await admin(w, "PUT", `/orders/ORD-2/shipments/${n}`, {
          carrier: "UPS",
          shipped_at: "2026-01-10T12:00:00+01:00",
        });
        assert.deepEqual(put.status, 201);
        const { shipment } = await until(w, "CUST-1", "ORD-2", (x) => x.events.length > 0, n);
        assert.deepEqual(shipment.status, "in_transit");
        assert(!shipment.events.some((e: Json) => e.status === "exception"));
        await waitForEmails(w, before + 1);
        const mails = emailsTo(w, "cust-1@retail.example").filter((m) =>
          m.subject.includes("ORD-2")
        );
        assert.deepEqual(mails.map((m) => m.subject), ["Order ORD-2: In transit"]);
      },
    );

    await t.step(
      "a USPS label not scanned yet: awaiting first scan, errors_24h stays 0",
      async () => {
        usps.serveFixtureFor(USPS_DELIVERED, { file: "usps/not_found_150001.json", status: 400 });
        const put = await admin(w, "PUT", `/orders/ORD-3/shipments/${USPS_DELIVERED}`, {
          carrier: "U.S. Postal Service",
          shipped_at: "2026-01-16T11:00:00-05:00",
        });
        assert.deepEqual([put.status, put.json.carrier], [201, "usps"]);
        const { shipment } = await until(
          w,
          "CUST-1",
          "ORD-3",
          (x) => x.awaiting_first_scan === true,
          USPS_DELIVERED,
        );
        assert.deepEqual([shipment.status, shipment.events, shipment.awaiting_carrier], [
          "label_created",
          [],
          false,
        ]);
        const status = await admin(w, "GET", "/integrations");
        const uspsRow = status.json.carriers.find((c: Json) => c.carrier === "usps");
        assert.deepEqual([uspsRow.mode, uspsRow.errors_24h], ["live", 0]);
        assert.deepEqual(usps.trackCalls, 1);
      },
    );

    await t.step(
      "two orders of two customers with one number: each refreshed and emailed",
      async () => {
        const n = "1Z204W4R0308071865";
        ups.serveFixtureFor(n, { file: "ups/exception_rescheduled.json" });
        const before = w.resend.emails.length;
        for (const [o, c] of [["ORD-3", "CUST-1"], ["ORD-4", "CUST-2"]]) {
          const put = await admin(w, "PUT", `/orders/${o}/shipments/${n}`, {
            carrier: "ups",
            shipped_at: "2026-01-15T10:30:00-05:00",
          });
          assert.deepEqual(put.status, 201);
          const { shipment } = await until(w, c, o, (x) => x.status === "exception", n);
          assert.deepEqual(shipment.delivery.revised_estimate, "2026-01-20");
        }
        await waitForEmails(w, before + 2);
        for (const [o, to] of [["ORD-3", "cust-1"], ["ORD-4", "cust-2"]]) {
          const mails = emailsTo(w, `${to}@retail.example`).filter((m) => m.subject.includes(o));
          assert.deepEqual(mails.map((m) => m.subject), [`Order ${o}: Delivery exception`]);
          assert.match(mails[0].text, /The receiver was not available for delivery\./);
          assert.match(mails[0].text, /New estimated delivery: Jan 20, 2026\./);
        }
        // The next cron round has both in one batch: both refreshed, both told. (Watched in
        // the poll log, not through page views, which would ask for refreshes of their own.)
        ups.serveFixtureFor(n, { file: "ups/delivered_front_door.json" });
        s.clock.advance(30 * 60_000);
        const calls = ups.trackCalls;
        await startPollCycle(s.services);
        const started = Date.now();
        let poll: Json;
        while (!poll) {
          assert(Date.now() - started < WITHIN_MS, "no UPS poll logged");
          await new Promise((r) => setTimeout(r, 20));
          const { json } = await admin(w, "GET", "/logs?limit=100");
          poll = json.logs.find((l: Json) =>
            l.kind === "poll" && l.carrier === "ups" && l.at === s.clock.now().toISOString()
          );
        }
        assert.deepEqual(poll.tracking_numbers.sort(), [n, "1ZCIETST0111111114"]);
        assert.match(poll.detail, /^3 updated, 2 status changes/);
        // One call for the shared number, one for the UPS customs shipment.
        assert.deepEqual(ups.trackCalls - calls, 2);
        for (const [o, c] of [["ORD-3", "CUST-1"], ["ORD-4", "CUST-2"]]) {
          const { shipment } = await until(w, c, o, (x) => x.status === "delivered", n);
          assert.deepEqual(shipment.last_refreshed_at, s.clock.now().toISOString());
          assert.deepEqual(shipment.delivery.left_at, "front_door");
        }
        await waitForEmails(w, before + 4);
        for (const [o, to] of [["ORD-3", "cust-1"], ["ORD-4", "cust-2"]]) {
          const mail = emailsTo(w, `${to}@retail.example`).find((m) =>
            m.subject === `Order ${o}: Delivered`
          );
          assert(mail, `${o}: no delivered email`);
          assert.match(mail.text, /It was left at the front door\./);
        }
      },
    );
  } finally {
    await s.close();
    await Promise.all([fedex.close(), ups.close(), usps.close(), resend.close()]);
  }
});
