/**
 * `deno task admin shipment upsert`: carrier names as sent, the first carrier fetch queued
 * with the shipment (in-process with the real queue and the local FedEx server), clear
 * errors, and, as a real process on a KV file, a fetch the server's listener picks up.
 */
import { runCli } from "@/cli/admin.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { registerTrackingJobs } from "@/lib/tracking/poller.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeFedex } from "@/tests/fakes/carriers/fedex.ts";
import { makeTestServices, waitForQueueIdle } from "@/tests/helpers/services.ts";

setLogSink(() => {});

const N = "149331877648230";
const FEDEX_ENV = { FEDEX_CLIENT_ID: "fx-id", FEDEX_CLIENT_SECRET: "fx-secret" };

async function seed(services: Services) {
  const now = services.clock.now();
  await createOrg(services.kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, now);
  await upsertCustomer(services.kv, "acme", "C1", { name: "Retail", email: "r@example.com" }, now);
  await upsertOrder(services.kv, "acme", "ORD-1", {
    customer_ref: "C1",
    order_date: "2026-01-14",
    delivery_date: "2026-01-18",
    status: "processing",
    currency: "USD",
    delivery_address: "1 Main St",
    lines: [{ item_code: "P", description: "Thing", qty_ordered: "1", unit_price: "1.00" }],
  }, now);
}

const shipment = (n: string) => [
  "shipment",
  "upsert",
  "--org",
  "acme",
  "--order",
  "ORD-1",
  "--tracking",
  n,
  "--shipped-at",
  "2026-01-15T10:30:00-05:00",
];

Deno.test("CLI shipment upsert: FedEx fetched at once, Acme Freight manual, clear errors", async () => {
  const fake = new FakeFedex();
  const services = await makeTestServices({ env: { ...FEDEX_ENV, FEDEX_BASE_URL: fake.url } });
  registerEmailHandlers();
  registerTrackingJobs(services, { cron: false });
  const listener = startQueueListener(services);
  const run = async (args: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await runCli(args, services, {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      readStdin: () => Promise.resolve(""),
      readFile: () => Promise.reject(new Error("no files here")),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  try {
    await seed(services);
    const fedex = await run([...shipment(N), "--carrier", "FedEx"]);
    assert.deepEqual(fedex.code, 0, fedex.err);
    assert.deepEqual(
      fedex.out,
      `Created shipment ${N} on order ORD-1: FedEx, tracked as fedex, carrier fetch queued.`,
    );
    await waitForQueueIdle();
    assert.deepEqual(fake.batches, [[N]]);
    const human = await run([...shipment("PRO-778"), "--carrier", "Acme Freight"]);
    assert.match(human.out, /on order ORD-1: Acme Freight, a manual carrier/);
    const acme = await run([...shipment("PRO-778"), "--carrier", "Acme Freight", "--json"]);
    assert.deepEqual(acme.code, 0, acme.err);
    const body = JSON.parse(acme.out);
    assert.deepEqual(
      [body.created, body.fetch_queued, body.shipment.carrier, body.shipment.carrier_name],
      [false, false, "manual", "Acme Freight"],
    );
    const stored = await getShipments(services.kv, "acme", "C1", "ORD-1");
    assert.deepEqual(stored.map((s) => [s.tracking_number, s.carrier, s.status]), [
      [N, "fedex", "in_transit"],
      ["PRO-778", "manual", "label_created"],
    ]);

    const bad: [string[], RegExp][] = [
      [[...shipment(N)], /Missing --carrier/],
      [[...shipment(N), "--carrier", "FedEx\nBcc"], /carrier: Carrier: one line/],
      [[...shipment("x"), "--carrier", "UPS"], /--tracking/],
      [[
        "shipment",
        "upsert",
        "--org",
        "acme",
        "--order",
        "ORD-404",
        "--tracking",
        N,
        "--carrier",
        "UPS",
        "--shipped-at",
        "2026-01-15T10:30:00Z",
      ], /No order ORD-404/],
      [[...shipment(N), "--carrier", "UPS", "--estimated-delivery", "soon"], /estimated_delivery/],
    ];
    for (const [args, message] of bad) {
      const r = await run(args);
      assert.deepEqual(r.code, 2, args.join(" "));
      assert.match(r.err, message);
    }
  } finally {
    services.close();
    await listener;
    await fake.close();
  }
});

Deno.test("CLI shipment upsert as a process: its fetch waits in KV for the server's listener", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/portal.kv`;
  const fake = new FakeFedex();
  const env = { ...FEDEX_ENV, FEDEX_BASE_URL: fake.url };
  try {
    const setup = await makeTestServices({ kvPath, env });
    await seed(setup);
    setup.close();
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../cli/admin.ts", import.meta.url).pathname,
        ...shipment(N),
        "--carrier",
        "FEDEX",
      ],
      env: { KV_PATH: kvPath, ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.deepEqual(o.code, 0, new TextDecoder().decode(o.stderr));
    assert.match(new TextDecoder().decode(o.stdout), /carrier fetch queued/);
    assert.deepEqual(fake.trackCalls, 0);
    // The portal opens the same KV: the queued fetch is delivered to its listener.
    const server = await makeTestServices({ kvPath, env });
    registerEmailHandlers();
    registerTrackingJobs(server, { cron: false });
    const listener = startQueueListener(server);
    try {
      let status = "";
      for (let i = 0; i < 200 && status !== "in_transit"; i++) {
        await new Promise((r) => setTimeout(r, 25));
        status = (await getShipments(server.kv, "acme", "C1", "ORD-1"))[0].status;
      }
      assert.deepEqual(status, "in_transit");
      assert.deepEqual(fake.batches, [[N]]);
    } finally {
      server.close();
      await listener;
    }
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
