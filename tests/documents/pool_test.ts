/**
 * The document pool: Web Workers and the main-thread fallback give the same bytes; a full
 * queue refuses at once; a worker that throws, dies or cannot start costs at most its job.
 */
import {
  DocumentGenerationError,
  DocumentPool,
  DocumentsBusyError,
  type PoolOptions,
} from "@/lib/documents/pool.ts";
import { renderDocument } from "@/lib/documents/pdf.ts";
import type { RenderJob } from "@/lib/documents/render.ts";
import { zipBytes } from "@/lib/documents/zip.ts";
import { setLogSink } from "@/lib/log.ts";
import { DOCUMENT_IDS, type Order } from "@/lib/orders/model.ts";
import assert from "node:assert/strict";
import { customer, order, org } from "@/tests/documents/order_helpers.ts";

const misbehaving = new URL("./misbehaving_worker.ts", import.meta.url);
const broken = new URL("./broken_worker.ts", import.meta.url);

const input = (over: Partial<Order> = {}) => ({
  order: order(over),
  org,
  customer: customer("pl"),
  locale: "pl" as const,
});
const pdf = (over: Partial<Order> = {}): RenderJob => ({
  kind: "pdf",
  id: "invoice",
  input: input(over),
});
const names = Object.fromEntries(DOCUMENT_IDS.map((id) => [id, `${id}.pdf`])) as Record<
  (typeof DOCUMENT_IDS)[number],
  string
>;

async function withPool(
  opts: PoolOptions,
  fn: (pool: DocumentPool, logs: string[]) => Promise<void>,
) {
  const logs: string[] = [];
  setLogSink((line) => logs.push(line));
  const pool = new DocumentPool(opts);
  try {
    await fn(pool, logs);
  } finally {
    pool.close();
    setLogSink(null);
  }
}

Deno.test("a worker and the main thread draw the same bytes as drawing directly", async () => {
  const pushed = new TextEncoder().encode("%PDF-1.4\n% the ERP's invoice\n%%EOF\n");
  const direct = {
    invoice: await renderDocument("invoice", input()),
    zip: await zipBytes(
      await Promise.all(DOCUMENT_IDS.map(async (id) => ({
        name: names[id],
        data: id === "invoice" ? pushed : await renderDocument(id, input()),
      }))),
      new Date(order().updated_at),
    ),
  };
  for (const workers of [1, 0]) {
    await withPool({ workers, maxQueue: 4 }, async (pool) => {
      assert.equal(pool.mode, workers ? "worker" : "inline");
      assert.deepEqual((await pool.run(pdf())).bytes, direct.invoice);
      const zip = await pool.run({ kind: "zip", input: input(), names, have: { invoice: pushed } });
      assert.deepEqual(zip.bytes, direct.zip, `ZIP, ${pool.mode}`);
      assert.deepEqual(Object.keys(zip.rendered), ["order-confirmation", "packing-slip"]);
      assert.deepEqual(
        zip.rendered["packing-slip"],
        await renderDocument("packing-slip", input()),
        "the drawn PDFs come back for the cache",
      );
      assert.equal(pool.stats().workersStarted, workers);
    });
  }
});

Deno.test("a full queue refuses the next job at once, with a Retry-After; nothing hangs", async () => {
  await withPool({ workers: 1, maxQueue: 1, workerUrl: misbehaving }, async (pool) => {
    const running = pool.run(pdf({ order_number: "HANG" }));
    const waiting = pool.run(pdf());
    const refused = await pool.run(pdf()).catch((e) => e);
    assert(refused instanceof DocumentsBusyError, String(refused));
    assert(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
    assert.equal(pool.stats().refused, 1);
    assert.equal(pool.stats().queued, 1);
    pool.close();
    for (const p of [running, waiting]) {
      assert((await p.catch((e) => e)) instanceof DocumentGenerationError);
    }
  });
  // In the main thread the same bound holds.
  await withPool({ workers: 0, maxQueue: 1 }, async (pool) => {
    const first = pool.run(pdf());
    const second = pool.run(pdf());
    const refused = await pool.run(pdf()).catch((e) => e);
    assert(refused instanceof DocumentsBusyError);
    assert.deepEqual((await first).bytes, (await second).bytes);
  });
});

Deno.test("a worker that throws costs only its job; it is replaced", async () => {
  await withPool({ workers: 1, maxQueue: 4, workerUrl: misbehaving }, async (pool, logs) => {
    const expected = (await pool.run(pdf())).bytes;
    const err = await pool.run(pdf({ order_number: "CRASH" })).catch((e) => e);
    assert(err instanceof DocumentGenerationError, String(err));
    assert.deepEqual((await pool.run(pdf())).bytes, expected, "a new worker draws the next one");
    assert.equal(pool.stats().workersStarted, 2);
    assert(logs.some((l) => l.includes("The document worker crashed")), "the crash is logged");

    // An error while drawing is answered by the worker, which stays.
    const bad = await pool.run(pdf({ lines: null as unknown as Order["lines"] })).catch((e) => e);
    assert(bad instanceof DocumentGenerationError);
    assert.equal(pool.stats().workersStarted, 2);
    assert.equal(pool.stats().failed, 2);
    assert.deepEqual((await pool.run(pdf())).bytes, expected);
  });
});

Deno.test("a worker that dies without a word fails its job after the timeout and is replaced", async () => {
  // The timer starts when the worker is ready, so a slow start under load does not count.
  await withPool(
    { workers: 1, maxQueue: 4, workerUrl: misbehaving, jobTimeoutMs: 500 },
    async (pool, logs) => {
      const err = await pool.run(pdf({ order_number: "EXIT" })).catch((e) => e);
      assert(err instanceof DocumentGenerationError, String(err));
      assert(logs.some((l) => l.includes("took longer than 500 ms")), "logged");
      assert.equal(pool.stats().workers, 0, "the silent worker was ended");
      const next = pool.run(pdf({ order_number: "HANG" }));
      assert.equal(pool.stats().workersStarted, 2, "the next job starts a new worker");
      pool.close();
      assert((await next.catch((e) => e)) instanceof DocumentGenerationError);
    },
  );
});

Deno.test("when workers cannot start, jobs run in the main thread and none fails", async () => {
  await withPool({ workers: 1, maxQueue: 4, workerUrl: broken }, async (pool, logs) => {
    const bytes = (await pool.run(pdf())).bytes;
    assert.deepEqual(bytes, await renderDocument("invoice", input()));
    assert.equal(pool.mode, "inline");
    assert.equal(pool.stats().workersStarted, 3);
    assert.equal(pool.stats().failed, 0);
    assert(logs.some((l) => l.includes("generating in the main thread")));
  });
});
