/**
 * The order admin API and the public order API over real HTTP and real KV: status codes,
 * per-field validation, org scoping of API keys, customer scoping of links, pagination,
 * exact totals, and no 500 for any body or URL tried.
 */
import { WIREFRAME_LINES } from "@/tests/helpers/wireframe.ts";
import fc from "fast-check";
import { upsertOrder } from "@/lib/orders/orders.ts";
import assert from "node:assert/strict";
import { type OrdersServer, startOrdersServer } from "@/tests/orders/server_helpers.ts";

async function withServer(fn: (s: OrdersServer) => Promise<void>) {
  const s = await startOrdersServer();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function orderBody(over: Record<string, unknown> = {}) {
  return {
    customer_ref: "CUST-1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "shipped",
    currency: "USD",
    delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
    lines: [
      {
        item_code: "PROD-123",
        description: "Chocolate Bars 24pk",
        qty_ordered: "200",
        uom: "boxes",
        unit_price: "18.50",
      },
      { item_code: "PROD-999", description: "Samples", qty_ordered: "3", unit_price: "0.1" },
    ],
    ...over,
  };
}

async function call(
  s: OrdersServer,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await s.fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  // deno-lint-ignore no-explicit-any
  return { status: res.status, headers: res.headers, json: json as any, text };
}

/** Org "acme" with customers CUST-1 and CUST-2 and an API key; org "globex" with its key. */
async function setup(s: OrdersServer) {
  await s.org("acme");
  await s.org("globex");
  const acme = await s.adminKey("acme");
  const globex = await s.adminKey("globex");
  for (const ref of ["CUST-1", "CUST-2"]) {
    const r = await call(s, "PUT", `/api/admin/v1/customers/${ref}`, acme, {
      name: `Customer ${ref}`,
      email: `${ref.toLowerCase()}@example.com`,
    });
    assert.deepEqual(r.status, 201, r.text);
  }
  return { acme, globex };
}

Deno.test("admin API: customers and orders are created (201) then replaced (200) with server-computed totals", async () => {
  await withServer(async (s) => {
    const { acme } = await setup(s);
    const again = await call(s, "PUT", "/api/admin/v1/customers/CUST-1", acme, {
      name: "Retail Store Co.",
      email: "ops@retailstore.example",
      locale: "es",
    });
    assert.deepEqual(again.status, 200);
    assert.deepEqual([again.json.name, again.json.locale], ["Retail Store Co.", "es"]);

    const created = await call(s, "PUT", "/api/admin/v1/orders/ORD-008456", acme, orderBody());
    assert.deepEqual(created.status, 201, created.text);
    assert.deepEqual(created.json.lines.map((l: { line_total: string }) => l.line_total), [
      "3700.00",
      "0.30",
    ]);
    assert.deepEqual([created.json.subtotal, created.json.tax, created.json.total], [
      "3700.30",
      "0.00",
      "3700.30",
    ]);
    assert.deepEqual(created.json.items_count, 2);
    assert.deepEqual(created.json.invoice_number, "INV-2026-08456");

    const replaced = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-008456",
      acme,
      orderBody({
        tax: "10.05",
        shipping: "25",
        status: "processing",
      }),
    );
    assert.deepEqual(replaced.status, 200);
    assert.deepEqual([replaced.json.shipping, replaced.json.total], ["25.00", "3735.35"]);

    // The order number may be repeated in the body, but must match the URL.
    const same = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-008456",
      acme,
      orderBody({ order_number: "ORD-008456" }),
    );
    assert.deepEqual(same.status, 200, same.text);
    const other = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-008456",
      acme,
      orderBody({ order_number: "ORD-9" }),
    );
    assert.deepEqual(other.status, 422);
    assert(other.json.error.fields.order_number);

    // Totals a client sends are refused, not trusted.
    const withTotal = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-1",
      acme,
      orderBody({ total: "1.00" }),
    );
    assert.deepEqual(withTotal.status, 422);
  });
});

Deno.test("admin API: per-field 422s, unknown customer, bad JSON, wrong type, missing key", async () => {
  await withServer(async (s) => {
    const { acme } = await setup(s);
    const bad = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-1",
      acme,
      orderBody({
        status: "lost",
        order_date: "2026-02-30",
        lines: [{ item_code: "P", description: "x", qty_ordered: "1.5e3", unit_price: "-1" }],
      }),
    );
    assert.deepEqual(bad.status, 422);
    assert.deepEqual(bad.json.error.code, "validation_failed");
    for (const f of ["status", "order_date", "lines.0.qty_ordered", "lines.0.unit_price"]) {
      assert(bad.json.error.fields[f]?.length > 0, `field ${f} in ${bad.text}`);
    }
    const unknown = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-1",
      acme,
      orderBody({ customer_ref: "NOPE" }),
    );
    assert.deepEqual(unknown.status, 422);
    assert(unknown.json.error.fields.customer_ref);
    const badNumber = await call(s, "PUT", "/api/admin/v1/orders/..%2Fx", acme, orderBody());
    assert.deepEqual(badNumber.status, 422);
    assert(badNumber.json.error.fields.order_number);

    assert.deepEqual(
      (await call(s, "PUT", "/api/admin/v1/orders/ORD-1", acme, "{not json")).status,
      400,
    );
    const wrongType = await s.fetch("/api/admin/v1/orders/ORD-1", {
      method: "PUT",
      headers: { authorization: `Bearer ${acme}`, "content-type": "text/plain" },
      body: JSON.stringify(orderBody()),
    });
    await wrongType.body?.cancel();
    assert.deepEqual(wrongType.status, 415);
    assert.deepEqual(
      (await call(s, "PUT", "/api/admin/v1/orders/ORD-1", null, orderBody())).status,
      401,
    );
    assert.deepEqual(
      (await call(s, "PUT", "/api/admin/v1/orders/ORD-1", "nope", orderBody())).status,
      401,
    );
    const customerBad = await call(s, "PUT", "/api/admin/v1/customers/CUST-9", acme, {
      name: "",
      email: "not-an-email",
      locale: "fr",
    });
    assert.deepEqual(customerBad.status, 422);
    assert.deepEqual(Object.keys(customerBad.json.error.fields).sort(), [
      "email",
      "locale",
      "name",
    ]);
  });
});

Deno.test("admin API: a key only reaches its own org", async () => {
  await withServer(async (s) => {
    const { acme, globex } = await setup(s);
    assert.deepEqual(
      (await call(s, "PUT", "/api/admin/v1/orders/ORD-1", acme, orderBody())).status,
      201,
    );
    // globex cannot attach an order to acme's customer, nor touch acme's order.
    const cross = await call(s, "PUT", "/api/admin/v1/orders/ORD-1", globex, orderBody());
    assert.deepEqual(cross.status, 422);
    const ship = await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-1/shipments/1Z999AA10123456784",
      globex,
      {
        carrier: "ups",
        shipped_at: "2026-01-15T10:30:00Z",
      },
    );
    assert.deepEqual(ship.status, 404);
    const event = await call(
      s,
      "POST",
      "/api/admin/v1/orders/ORD-1/shipments/1Z999AA10123456784/events",
      globex,
      {
        status: "delivered",
        occurred_at: "2026-01-16T10:30:00Z",
        description: "Delivered",
      },
    );
    assert.deepEqual(event.status, 404);
    // globex's own customer with the same ref is a different customer.
    const r = await call(s, "PUT", "/api/admin/v1/customers/CUST-1", globex, {
      name: "G",
      email: "g@example.com",
    });
    assert.deepEqual(r.status, 201);
    assert.deepEqual(
      (await call(
        s,
        "PUT",
        "/api/admin/v1/orders/ORD-1",
        globex,
        orderBody({ status: "cancelled" }),
      )).status,
      201,
    );
    const token = await s.linkToken("acme", "CUST-1");
    const acmeOrder = await call(s, "GET", `/api/portal/customer/${token}/orders/ORD-1`, null);
    assert.deepEqual(acmeOrder.json.status, "shipped");
  });
});

Deno.test("admin API: shipments and manual events; public tracking shows them", async () => {
  await withServer(async (s) => {
    const { acme } = await setup(s);
    await call(s, "PUT", "/api/admin/v1/orders/ORD-1", acme, orderBody({ status: "processing" }));
    const shipPath = "/api/admin/v1/orders/ORD-1/shipments/123456789012";
    const body = {
      carrier: "fedex",
      carrier_name: "FedEx Freight",
      shipped_at: "2026-01-15T10:30:00-05:00",
      estimated_delivery: "2026-01-18",
    };
    assert.deepEqual((await call(s, "PUT", shipPath, acme, body)).status, 201);
    assert.deepEqual((await call(s, "PUT", shipPath, acme, body)).status, 200);
    // A carrier is a name: one line, bounded (carrier names have their own tests).
    for (const carrier of ["", "FedEx\nBcc", "x".repeat(61), 7]) {
      const bad = await call(s, "PUT", shipPath, acme, { ...body, carrier });
      assert.deepEqual([bad.status, Object.keys(bad.json.error.fields)], [422, ["carrier"]]);
    }
    assert.deepEqual(
      (await call(s, "PUT", "/api/admin/v1/orders/NOPE/shipments/123456789012", acme, body)).status,
      404,
    );

    const ev = await call(s, "POST", `${shipPath}/events`, acme, {
      status: "in_transit",
      occurred_at: "2026-01-16T08:45:00-05:00",
      description: "In transit to City B",
      location: "City B",
    });
    assert.deepEqual(ev.status, 201, ev.text);
    assert.deepEqual(ev.json.status, "in_transit");
    const badEv = await call(s, "POST", `${shipPath}/events`, acme, {
      status: "teleported",
      occurred_at: "yesterday",
    });
    assert.deepEqual(badEv.status, 422);
    assert(
      badEv.json.error.fields.status && badEv.json.error.fields.occurred_at &&
        badEv.json.error.fields.description,
    );
    assert.deepEqual(
      (await call(s, "POST", "/api/admin/v1/orders/ORD-1/shipments/999999999999/events", acme, {
        status: "in_transit",
        occurred_at: "2026-01-16T08:45:00Z",
        description: "x",
      })).status,
      404,
    );
    // The manual update is in the integration log.
    const logs = [];
    for await (const e of s.services.kv.list({ prefix: ["integration_logs", "acme"] })) {
      logs.push(e.value);
    }
    assert.deepEqual(logs.length, 1);

    const token = await s.linkToken("acme", "CUST-1");
    const tr = await call(s, "GET", `/api/portal/customer/${token}/orders/ORD-1/tracking`, null);
    assert.deepEqual(tr.status, 200);
    assert.deepEqual(tr.headers.get("cache-control"), "no-store");
    const sh = tr.json.shipments[0];
    assert.deepEqual(sh.tracking_url, "https://www.fedex.com/fedextrack/?trknbr=123456789012");
    assert.deepEqual([sh.carrier, sh.carrier_name, sh.status, sh.estimated_delivery], [
      "fedex",
      "FedEx Freight",
      "in_transit",
      "2026-01-18",
    ]);
    assert.deepEqual(sh.events, [{
      status: "in_transit",
      occurred_at: "2026-01-16T08:45:00-05:00",
      description: "In transit to City B",
      location: "City B",
      instant: "2026-01-16T13:45:00.000Z",
      local_time: "2026-01-16T08:45:00-05:00",
      utc_offset: "-05:00",
      time_zone: null,
      time_zone_unknown: false,
    }]);
    assert.deepEqual([sh.awaiting_carrier, sh.awaiting_first_scan], [false, false]);
    assert.deepEqual(tr.json.status, "shipped");
    // FedEx is not configured in tests, so no carrier refresh is requested.
    assert.deepEqual(tr.json.refresh_requested, false);
    assert.match(tr.json.last_refreshed_at, /^2026-01-16T/);

    const list = await call(s, "GET", `/api/portal/customer/${token}/orders`, null);
    assert.deepEqual(list.json.stats, { active: 1, in_transit: 1, delivered: 0 });
    assert.deepEqual(list.json.orders[0].shipments[0].tracking_number, "123456789012");
  });
});

Deno.test("public API: list, filters and cursor pages over HTTP; 400 on bad query", async () => {
  await withServer(async (s) => {
    await setup(s);
    const { kv } = s.services;
    const statuses = ["processing", "shipped", "delivered", "cancelled"] as const;
    for (let i = 0; i < 45; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0");
      await upsertOrder(
        kv,
        "acme",
        `ORD-${String(i).padStart(4, "0")}`,
        {
          ...orderBody(),
          order_date: `2025-${i < 28 ? "11" : "12"}-${day}`,
          status: statuses[i % 4],
        } as Parameters<typeof upsertOrder>[3],
        s.clock.now(),
      );
    }
    const token = await s.linkToken("acme", "CUST-1");
    const base = `/api/portal/customer/${token}/orders`;
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const r = await call(
        s,
        "GET",
        cursor ? `${base}?cursor=${encodeURIComponent(cursor)}` : base,
        null,
      );
      assert.deepEqual(r.status, 200);
      if (first) {
        assert.deepEqual(r.json.customer, {
          ref: "CUST-1",
          name: "Customer CUST-1",
          locale: "en",
          last_visit_at: null,
        });
        assert.deepEqual(r.json.stats, { active: 23, in_transit: 0, delivered: 11 });
        assert.deepEqual(r.headers.get("cache-control"), "no-store");
        assert.deepEqual(r.headers.get("x-robots-tag"), "noindex");
        assert(!("org" in r.json.orders[0]), "no internal fields");
        first = false;
      }
      assert(r.json.orders.length <= 20);
      seen.push(...r.json.orders.map((o: { order_number: string }) => o.order_number));
      cursor = r.json.next_cursor;
    } while (cursor);
    assert.deepEqual(seen.length, 45);
    assert.deepEqual(new Set(seen).size, 45);
    const dates = seen.map((n) => Number(n.slice(4)));
    // Newest first: December before November.
    assert(dates.indexOf(44) < dates.indexOf(0));

    const delivered = await call(s, "GET", `${base}?status=delivered&limit=50`, null);
    assert.deepEqual(delivered.json.orders.length, 11);
    assert(delivered.json.orders.every((o: { status: string }) => o.status === "delivered"));
    const active = await call(s, "GET", `${base}?status=active&limit=50`, null);
    assert.deepEqual(active.json.orders.length, 23);

    for (
      const q of ["status=lost", "cursor=%25%25", "cursor=W10", "limit=0", "limit=51", "limit=abc"]
    ) {
      const r = await call(s, "GET", `${base}?${q}`, null);
      assert.deepEqual(r.status, 400, q);
      assert.deepEqual(r.json.error.code, "bad_request", q);
    }
    // Another customer of the same org sees none of these.
    const other = await s.linkToken("acme", "CUST-2");
    const r = await call(s, "GET", `/api/portal/customer/${other}/orders`, null);
    assert.deepEqual([r.json.orders.length, r.json.stats.active], [0, 0]);
  });
});

Deno.test("public API: order detail with exact totals and documents; other customers' orders are 404", async () => {
  await withServer(async (s) => {
    const { acme, globex } = await setup(s);
    await call(
      s,
      "PUT",
      "/api/admin/v1/orders/ORD-008456",
      acme,
      orderBody({
        lines: WIREFRAME_LINES,
        invoice_number: "INV-2026-00456",
      }),
    );
    await call(s, "PUT", "/api/admin/v1/orders/ORD-2", acme, orderBody({ customer_ref: "CUST-2" }));
    await call(s, "PUT", "/api/admin/v1/customers/CUST-1", globex, {
      name: "G",
      email: "g@example.com",
    });
    await call(s, "PUT", "/api/admin/v1/orders/ORD-3", globex, orderBody());
    await call(s, "PUT", "/api/admin/v1/orders/ORD-008456/shipments/1Z999AA10123456784", acme, {
      carrier: "ups",
      shipped_at: "2026-01-13T14:00:00Z",
    });

    const token = await s.linkToken("acme", "CUST-1");
    const d = await call(s, "GET", `/api/portal/customer/${token}/orders/ORD-008456`, null);
    assert.deepEqual(d.status, 200, d.text);
    assert.deepEqual([d.json.subtotal, d.json.tax, d.json.shipping, d.json.total], [
      "8450.00",
      "0.00",
      null,
      "8450.00",
    ]);
    assert.deepEqual(d.json.lines.map((l: { line_total: string }) => l.line_total), [
      "3700.00",
      "1845.00",
      "2905.00",
    ]);
    assert.deepEqual(d.json.delivery_address, "Retail Store Co., 456 Commerce St, City, ZIP");
    assert.deepEqual(
      d.json.shipments[0].tracking_url,
      "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784",
    );
    assert.deepEqual(d.json.documents.map((x: { id: string }) => x.id), [
      "order-confirmation",
      "packing-slip",
      "invoice",
      "all",
    ]);
    assert.deepEqual(d.json.documents[2].name, "Invoice #INV-2026-00456 (PDF)");
    assert.deepEqual(
      d.json.documents[3].url,
      `${s.url}/api/portal/customer/${token}/orders/ORD-008456/documents/all`,
    );
    assert.deepEqual(d.headers.get("cache-control"), "no-store");

    // ORD-2 is CUST-2's, ORD-3 is another org's customer with the same ref, ORD-9 does not exist.
    for (const n of ["ORD-2", "ORD-3", "ORD-9", "..", "%20", "a".repeat(300)]) {
      for (const suffix of ["", "/tracking"]) {
        const r = await call(s, "GET", `/api/portal/customer/${token}/orders/${n}${suffix}`, null);
        assert.deepEqual(r.status, 404, `${n}${suffix}: ${r.text}`);
        assert.deepEqual(r.json.error.code, "not_found");
        assert(!r.text.includes("CUST-2") && !r.text.includes("Chocolate"));
      }
    }
  });
});

Deno.test("no 500 for junk bodies, paths or queries (fuzz)", async () => {
  await withServer(async (s) => {
    const { acme } = await setup(s);
    await call(s, "PUT", "/api/admin/v1/orders/ORD-1", acme, orderBody());
    await call(s, "PUT", "/api/admin/v1/orders/ORD-1/shipments/123456789012", acme, {
      carrier: "fedex",
      shipped_at: "2026-01-15T10:30:00Z",
    });
    const token = await s.linkToken("acme", "CUST-1");
    const jsonish = fc.oneof(
      fc.jsonValue(),
      fc.record({
        customer_ref: fc.oneof(fc.constant("CUST-1"), fc.string()),
        order_date: fc.oneof(fc.constant("2026-01-14"), fc.string()),
        delivery_date: fc.string(),
        status: fc.constantFrom("processing", "shipped", "x"),
        currency: fc.constantFrom("USD", "usd", ""),
        delivery_address: fc.string(),
        lines: fc.array(
          fc.record({
            item_code: fc.string(),
            description: fc.string(),
            qty_ordered: fc.oneof(fc.string(), fc.double().map(String), fc.constant("1")),
            unit_price: fc.oneof(fc.string(), fc.constant("1.00"), fc.integer()),
          }, { requiredKeys: [] }),
          { maxLength: 3 },
        ),
        tax: fc.oneof(fc.string(), fc.constant("0.10")),
      }, { requiredKeys: [] }),
    );
    const paths = [
      ["PUT", "/api/admin/v1/orders/ORD-1"],
      ["PUT", "/api/admin/v1/customers/CUST-1"],
      ["PUT", "/api/admin/v1/orders/ORD-1/shipments/123456789012"],
      ["POST", "/api/admin/v1/orders/ORD-1/shipments/123456789012/events"],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), jsonish, async ([method, path], body) => {
        const r = await call(s, method, path, acme, JSON.stringify(body));
        assert(r.status < 500, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
        assert(r.json?.error || r.status < 300, r.text);
      }),
      { numRuns: 150 },
    );
    // Any text, dots included: paths ending in ".ext" pass the static-file handler first.
    const segment = fc.string({ maxLength: 40 }).map((x) => encodeURIComponent(x));
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (n, k, v) => {
        for (
          const path of [
            `/api/portal/customer/${token}/orders?${k}=${v}`,
            `/api/portal/customer/${token}/orders?status=${v}&cursor=${k}`,
            `/api/portal/customer/${token}/orders/${n}`,
            `/api/portal/customer/${token}/orders/${n}/tracking`,
            `/api/admin/v1/orders/${n}/shipments/${k}`,
          ]
        ) {
          const admin = path.startsWith("/api/admin");
          const r = await call(s, admin ? "PUT" : "GET", path, acme, admin ? "{}" : undefined);
          assert(r.status < 500, `${path} → ${r.status} ${r.text}`);
        }
      }),
      { numRuns: 100 },
    );
  });
});
