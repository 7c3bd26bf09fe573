/**
 * The document cache against the real order store and a real `:memory:` KV: a cached, a
 * KV-shared, a worker-drawn and a main-thread-drawn document are the bytes and ETag of drawing
 * afresh; every change to what a document is drawn from is a new version; one generation
 * serves many concurrent requests.
 */
import { memoryLru } from "@/lib/documents/cache.ts";
import { downloadFileName, type DownloadId, prepareDownload } from "@/lib/documents/download.ts";
import { createDocumentEngine, type DocumentEngine } from "@/lib/documents/generation.ts";
import { renderDocument } from "@/lib/documents/pdf.ts";
import {
  deleteStoredDocument,
  getStoredDocuments,
  openStoredDocument,
  putStoredDocument,
} from "@/lib/documents/stored.ts";
import { zipBytes } from "@/lib/documents/zip.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { setLogSink } from "@/lib/log.ts";
import { DOCUMENT_IDS, type Locale } from "@/lib/orders/model.ts";
import { getCustomer, upsertCustomer } from "@/lib/orders/customers.ts";
import { getOrder, getOrderSummary, upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg, getOrg } from "@/lib/orders/orgs.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import assert from "node:assert/strict";
import { wireframeLines } from "@/tests/documents/order_helpers.ts";
import { makeTestServices, type TestServices } from "@/tests/helpers/services.ts";

const ORDER = "ORD-008456";
const REF = "CUST-RS-2026-045";
const orderBody = (address = "Retail Store Co., 456 Commerce St, City, ZIP") => ({
  customer_ref: REF,
  order_date: "2026-01-14",
  delivery_date: "2026-01-18",
  status: "shipped" as const,
  currency: "USD",
  delivery_address: address,
  lines: wireframeLines.map(({ line_total: _t, ...l }) => l),
  tax: "0.00",
});

interface World {
  services: TestServices;
  engines: DocumentEngine[];
  engine(opts?: Partial<Parameters<typeof createDocumentEngine>[0]>): DocumentEngine;
}

async function withWorld(fn: (w: World) => Promise<void>) {
  const services = await makeTestServices();
  const { kv, clock } = services;
  const engines: DocumentEngine[] = [];
  setLogSink(() => {});
  try {
    const now = clock.now();
    await createOrg(kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.com",
      support_phone: "(555) 123-4567",
    }, now);
    await upsertCustomer(kv, "acme", REF, {
      name: "Hurtownia Łódź",
      email: "ops@example.com",
      locale: "pl",
    }, now);
    await upsertOrder(kv, "acme", ORDER, orderBody(), now);
    const world: World = {
      services,
      engines,
      engine(opts = {}) {
        const e = createDocumentEngine({
          workers: 0,
          maxQueue: 16,
          memoryBytes: 32 * 1024 * 1024,
          kvTtlMs: 86_400_000,
          ...opts,
        });
        engines.push(e);
        return e;
      },
    };
    await fn(world);
  } finally {
    for (const e of engines) e.pool.close();
    setLogSink(null);
    services.close();
  }
}

/** As the route starts a download: from the order's summary (no lines). */
async function inputFor(kv: Deno.Kv, locale: Locale) {
  return {
    order: (await getOrderSummary(kv, "acme", REF, ORDER))!,
    org: (await getOrg(kv, "acme"))!,
    customer: (await getCustomer(kv, "acme", REF))!,
    locale,
  };
}

/** A download through the engine: its ETag and bytes. */
async function download(w: World, engine: DocumentEngine, id: DownloadId, locale: Locale = "pl") {
  const d = await prepareDownload(w.services, await inputFor(w.services.kv, locale), id, engine);
  return { etag: d.etag, bytes: new Uint8Array(await new Response(await d.body()).arrayBuffer()) };
}

/** What today's code serves, drawn afresh with no cache and no pool. */
async function fresh(w: World, id: DownloadId, locale: Locale = "pl"): Promise<Uint8Array> {
  const input = {
    ...await inputFor(w.services.kv, locale),
    order: (await getOrder(w.services.kv, "acme", REF, ORDER))!,
  };
  const stored = await getStoredDocuments(w.services.kv, "acme", ORDER);
  const one = async (doc: (typeof DOCUMENT_IDS)[number]) => {
    const pushed = stored[doc] && await openStoredDocument(w.services, stored[doc]);
    return pushed
      ? new Uint8Array(await new Response(pushed).arrayBuffer())
      : await renderDocument(doc, input);
  };
  if (id !== "all") return await one(id);
  const entries = [];
  for (const doc of DOCUMENT_IDS) {
    entries.push({ name: downloadFileName(ORDER, doc), data: await one(doc) });
  }
  return await zipBytes(entries, new Date(input.order.updated_at));
}

async function assertSameBytes(actual: Uint8Array, expected: Uint8Array, msg: string) {
  assert.equal(await sha256Hex(actual), await sha256Hex(expected), msg);
}

const generations = (e: DocumentEngine) => e.pool.stats().completed;

Deno.test("cached, shared through KV, from a worker or the main thread: the bytes and ETag of drawing afresh", async () => {
  await withWorld(async (w) => {
    const workers = w.engine({ workers: 1 });
    const otherIsolate = w.engine();
    const uncached = w.engine({ memoryBytes: 0, kvTtlMs: 0 });
    for (const id of ["invoice", "all"] as const) {
      const expected = await fresh(w, id);
      const first = await download(w, workers, id);
      const again = await download(w, workers, id);
      const shared = await download(w, otherIsolate, id);
      const inThread = await download(w, uncached, id);
      for (const [name, got] of Object.entries({ first, again, shared, inThread })) {
        await assertSameBytes(got.bytes, expected, `${id}, ${name}`);
        assert.equal(got.etag, first.etag, `${id}, ${name}: ETag`);
      }
    }
    // The worker drew the invoice, then the ZIP with the cached invoice inside (2 jobs);
    // repeats came from memory, the other isolate from KV.
    assert.equal(workers.pool.stats().mode, "worker");
    assert.equal(generations(workers), 2);
    assert.equal(generations(otherIsolate), 0);
    assert.equal(generations(uncached), 2);
    // The packing slip and confirmation drawn for the ZIP are kept for their own downloads.
    await download(w, workers, "packing-slip");
    assert.equal(generations(workers), 2);
  });
});

Deno.test("every change to what a document is drawn from is a new version, here and in KV", async () => {
  await withWorld(async (w) => {
    const { kv, clock } = w.services;
    const engine = w.engine();
    const otherIsolate = w.engine();
    let previous = {
      invoice: await download(w, engine, "invoice"),
      all: await download(w, engine, "all"),
    };
    const pushed = new TextEncoder().encode("%PDF-1.4\n% the ERP's invoice\n%%EOF\n");
    const changes: Array<[string, () => Promise<unknown>]> = [
      // Same instant as the order's creation: the store still gives a new updated_at.
      ["order PUT", () => upsertOrder(kv, "acme", ORDER, orderBody("Nowa 1, Łódź"), clock.now())],
      ["shipment added", () =>
        upsertShipment(kv, "acme", ORDER, "T1000", {
          carrier: "manual",
          shipped_at: "2026-01-15T10:30:00Z",
        }, clock.now())],
      ["shipment changed", () =>
        upsertShipment(kv, "acme", ORDER, "T1000", {
          carrier: "manual",
          carrier_name: "Own truck",
          shipped_at: "2026-01-15T10:30:00Z",
        }, clock.now())],
      ["tracking update", () => {
        clock.advance(60_000);
        return applyTrackingUpdate(kv, "acme", ORDER, "T1000", {
          status: "in_transit",
          events: [],
          last_refreshed_at: clock.now().toISOString(),
        });
      }],
      [
        "pushed invoice",
        () =>
          putStoredDocument(w.services, "acme", ORDER, "invoice", ReadableStream.from([pushed])),
      ],
      ["pushed invoice deleted", () => deleteStoredDocument(w.services, "acme", ORDER, "invoice")],
    ];
    for (const [change, apply] of changes) {
      await apply();
      const now = {
        invoice: await download(w, engine, "invoice"),
        all: await download(w, engine, "all"),
      };
      for (const id of ["invoice", "all"] as const) {
        assert.notEqual(now[id].etag, previous[id].etag, `${change}: ${id} has a new ETag`);
        await assertSameBytes(now[id].bytes, await fresh(w, id), `${change}: ${id} bytes`);
        const shared = await download(w, otherIsolate, id);
        await assertSameBytes(shared.bytes, now[id].bytes, `${change}: ${id} through KV`);
      }
      previous = now;
    }
    // Another language is another document.
    const en = await download(w, engine, "invoice", "en");
    assert.notEqual(en.etag, previous.invoice.etag);
    await assertSameBytes(en.bytes, await fresh(w, "invoice", "en"), "en invoice");

    // KV holds one entry per document and language; replaced versions left no blob behind.
    const refs: string[] = [];
    for await (const e of kv.list<{ blob_id: string }>({ prefix: ["document_cache"] })) {
      refs.push(e.value.blob_id);
    }
    let blobs = 0;
    for await (const _ of kv.list({ prefix: ["blob"] })) blobs++;
    assert.equal(refs.length, 5, "pl: 3 PDFs + ZIP; en: invoice");
    assert.equal(blobs, refs.length, "only the current versions' blobs are kept");
  });
});

Deno.test("concurrent requests for one missing document generate it once", async () => {
  await withWorld(async (w) => {
    const engine = w.engine({ workers: 1 });
    const input = await inputFor(w.services.kv, "pl");
    const results = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const d = await prepareDownload(w.services, input, "all", engine);
        return await d.body() as Uint8Array;
      }),
    );
    assert.equal(generations(engine), 1);
    const digests = new Set(await Promise.all(results.map((r) => sha256Hex(r))));
    assert.equal(digests.size, 1);
    await assertSameBytes(results[0], await fresh(w, "all"), "the one ZIP");
  });
});

Deno.test("an order written while its document is drawn: the new bytes, not kept under the old ETag", async () => {
  await withWorld(async (w) => {
    const engine = w.engine();
    const before = await inputFor(w.services.kv, "pl");
    const pending = await prepareDownload(w.services, before, "invoice", engine);
    await upsertOrder(
      w.services.kv,
      "acme",
      ORDER,
      orderBody("Zmieniony 7"),
      w.services.clock.now(),
    );
    const bytes = await pending.body() as Uint8Array;
    await assertSameBytes(bytes, await fresh(w, "invoice"), "drawn from the order as it is now");
    const key = { org: "acme", orderNumber: ORDER, doc: "invoice", locale: "pl" as const };
    assert.equal(await engine.cache.lookup(w.services, { ...key, version: pending.etag }), null);
    const now = await download(w, engine, "invoice");
    assert.notEqual(now.etag, pending.etag);
    await assertSameBytes(now.bytes, bytes, "the next download has its own ETag");
  });
});

Deno.test("a KV entry with a lost chunk or from other code is a miss, never a wrong file", async () => {
  await withWorld(async (w) => {
    const { kv } = w.services;
    await download(w, w.engine(), "invoice");
    const key = ["document_cache", "acme", ORDER, "invoice", "pl"];
    const ref = await kv.get<{ blob_id: string; code: string }>(key);
    assert(ref.value);
    await kv.delete(["blob_chunk", ref.value.blob_id, 0]);
    const afterLoss = w.engine();
    await assertSameBytes(
      (await download(w, afterLoss, "invoice")).bytes,
      await fresh(w, "invoice"),
      "lost chunk",
    );
    assert.equal(generations(afterLoss), 1, "drawn again");

    const entry = await kv.get<{ code: string }>(key);
    await kv.set(key, { ...entry.value!, code: "an older deploy" });
    const afterDeploy = w.engine();
    await download(w, afterDeploy, "invoice");
    assert.equal(generations(afterDeploy), 1, "another code version is not trusted");
  });
});

Deno.test("the memory layer: bounded by bytes, least recently used out first, big entries skipped", () => {
  const lru = memoryLru(100);
  const b = (n: number) => new Uint8Array(n);
  lru.set("a", b(25));
  lru.set("b", b(25));
  lru.set("c", b(25));
  assert(lru.get("a")); // a is now the most recent
  lru.set("d", b(25));
  lru.set("e", b(25)); // over 100: b, the least recently used, goes
  const kept = ["a", "b", "c", "d", "e"].filter((k) => lru.has(k));
  assert.deepEqual(kept, ["a", "c", "d", "e"]);
  assert.equal(lru.calculatedSize, 100);
  lru.set("huge", b(26)); // more than a quarter of the budget
  assert.equal(lru.has("huge"), false);
});
