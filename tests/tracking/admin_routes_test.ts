/** INT-003 logs and INT-001 integration status over real HTTP, scoped to the key's org. */
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { upsertShipment } from "@/lib/orders/shipments.ts";
import { recordFailure } from "@/lib/tracking/circuit.ts";
import { writeLog } from "@/lib/tracking/integration_log.ts";
import { getIntegrationStatus } from "@/lib/tracking/status.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { startOrdersServer } from "@/tests/orders/server_helpers.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";
import type { TestServer } from "@/tests/helpers/server.ts";

async function get(s: TestServer, url: string, key?: string) {
  const res = await s.fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: await res.json() };
}

async function seedShipments(services: Services, org: string, n: number) {
  const now = services.clock.now();
  await upsertCustomer(
    services.kv,
    org,
    "C1",
    { name: "Retail", email: "ops@retail.example" },
    now,
  );
  await upsertOrder(services.kv, org, "ORD-1", {
    customer_ref: "C1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped",
    currency: "USD",
    delivery_address: "1 Main St",
    lines: [{ item_code: "P", description: "Thing", qty_ordered: "1", unit_price: "1.00" }],
  }, now);
  for (let i = 0; i < n; i++) {
    await upsertShipment(services.kv, org, "ORD-1", `12345678901${i}`, {
      carrier: "fedex",
      shipped_at: "2026-01-15T10:30:00-05:00",
    }, now);
  }
}

Deno.test("GET /api/admin/v1/logs: the key's org only, newest first, cursor-paged", async () => {
  const s = await startOrdersServer();
  try {
    await s.org("acme");
    await s.org("other");
    const key = await s.adminKey("acme");
    for (let i = 0; i < 3; i++) {
      await writeLog(s.services, {
        org: "acme",
        kind: "carrier_call",
        carrier: "fedex",
        tracking_numbers: [`N${i}`],
        outcome: "ok",
        latency_ms: 12,
        http_status: 200,
      });
    }
    await writeLog(s.services, {
      org: "other",
      kind: "poll",
      carrier: "ups",
      tracking_numbers: ["SECRET-OF-OTHER"],
      outcome: "ok",
    });
    assert.deepEqual((await get(s, `${s.url}/api/admin/v1/logs`)).status, 401);
    const first = await get(s, `${s.url}/api/admin/v1/logs?limit=2`, key);
    assert.deepEqual(first.status, 200);
    assert.deepEqual(
      first.body.logs.map((l: { tracking_numbers: string[] }) => l.tracking_numbers[0]),
      [
        "N2",
        "N1",
      ],
    );
    assert(first.body.next_cursor);
    const second = await get(
      s,
      `${s.url}/api/admin/v1/logs?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      key,
    );
    assert.deepEqual(
      second.body.logs.map((l: { tracking_numbers: string[] }) => l.tracking_numbers[0]),
      ["N0"],
    );
    assert.deepEqual(second.body.next_cursor, null);
    assert(!JSON.stringify(second.body).includes("SECRET-OF-OTHER"));
    const row = second.body.logs[0];
    assert.deepEqual([row.kind, row.carrier, row.outcome, row.http_status, row.latency_ms], [
      "carrier_call",
      "fedex",
      "ok",
      200,
      12,
    ]);
    assert.deepEqual(
      (await get(s, `${s.url}/api/admin/v1/logs?cursor=garbage!!`, key)).status,
      400,
    );
    const bad = await get(s, `${s.url}/api/admin/v1/logs?limit=abc`, key);
    assert.deepEqual([bad.status, bad.body.error.code], [422, "validation_failed"]);
  } finally {
    await s.close();
  }
});

Deno.test("GET /api/admin/v1/integrations: unconfigured carriers say so", async () => {
  const s = await startOrdersServer();
  try {
    await s.org("acme");
    const key = await s.adminKey("acme");
    await seedShipments(s.services, "acme", 2);
    assert.deepEqual((await get(s, `${s.url}/api/admin/v1/integrations`)).status, 401);
    const res = await get(s, `${s.url}/api/admin/v1/integrations`, key);
    assert.deepEqual(res.status, 200);
    const byCarrier = Object.fromEntries(
      res.body.carriers.map((c: { carrier: string }) => [c.carrier, c]),
    );
    assert.deepEqual(Object.keys(byCarrier), ["fedex", "ups", "usps", "manual", "sandbox"]);
    assert.deepEqual(byCarrier.fedex.configured, false);
    assert.deepEqual(byCarrier.fedex.mode, "off");
    assert.deepEqual(byCarrier.fedex.shipments_tracked, 2);
    assert(byCarrier.fedex.note.includes("not polled"));
    assert.deepEqual(byCarrier.manual.mode, "manual");
  } finally {
    await s.close();
  }
});

Deno.test("integration status: configured carrier, errors in 24 h, open circuit, last good poll", async () => {
  const services = await makeTestServices({
    env: { FEDEX_CLIENT_ID: "a", FEDEX_CLIENT_SECRET: "b" },
  });
  try {
    await writeLog(services, {
      org: "acme",
      kind: "carrier_call",
      carrier: "fedex",
      tracking_numbers: ["1"],
      outcome: "server_error",
      http_status: 500,
    });
    await writeLog(services, {
      org: "acme",
      kind: "carrier_call",
      carrier: "fedex",
      tracking_numbers: ["1"],
      outcome: "not_found",
      http_status: 200,
    });
    for (let i = 0; i < 5; i++) await recordFailure(services, "fedex");
    await services.kv.set(["tracking_last_success", "fedex"], "2026-01-16T11:30:00.000Z");
    let fedex = (await getIntegrationStatus(services, "acme"))[0];
    assert.deepEqual(
      [fedex.configured, fedex.mode, fedex.errors_24h, fedex.circuit, fedex.last_successful_poll],
      [true, "live", 1, "open", "2026-01-16T11:30:00.000Z"],
    );
    // A day later the error has aged out and the circuit is past its cooldown.
    services.clock.advance(25 * 3_600_000);
    fedex = (await getIntegrationStatus(services, "acme"))[0];
    assert.deepEqual([fedex.errors_24h, fedex.circuit], [0, "closed"]);
    // Another org sees none of acme's errors.
    services.clock.advance(-25 * 3_600_000);
    assert.deepEqual((await getIntegrationStatus(services, "other"))[0].errors_24h, 0);
  } finally {
    services.close();
  }
});
