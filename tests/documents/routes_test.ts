/**
 * The document routes in the real portal: real HTTP, KV, order store, magic links and org
 * API keys, so the link checks and the rate limit are the same as for every token request.
 */
import JSZip from "jszip";
import assert from "node:assert/strict";
import {
  createDocumentEngine,
  type DocumentEngine,
  setDocumentEngine,
} from "@/lib/documents/generation.ts";
import { getOrder, upsertOrder } from "@/lib/orders/orders.ts";
import { pdfText } from "@/tests/documents/order_helpers.ts";
import { type DocumentsServer, startDocumentsServer } from "@/tests/documents/server_helpers.ts";

async function withServer(
  fn: (s: DocumentsServer) => Promise<void>,
  env: Record<string, string> = {},
) {
  const server = await startDocumentsServer(env);
  current = server;
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

let current: DocumentsServer;
const doc = (id: string, who: keyof DocumentsServer["tokens"] = "retail", order = "ORD-008456") =>
  `/api/portal/customer/${current.tokens[who]}/orders/${order}/documents/${id}`;

async function errorCode(res: Response): Promise<string> {
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  return (await res.json()).error.code;
}

Deno.test("GET a PDF: headers, real content, 304 on a matching ETag", async () => {
  await withServer(async (s) => {
    const res = await s.fetch(doc("invoice") + "?lang=pl");
    assert.deepEqual(res.status, 200);
    assert.deepEqual(res.headers.get("content-type"), "application/pdf");
    assert.deepEqual(
      res.headers.get("content-disposition"),
      'attachment; filename="ORD-008456-invoice.pdf"',
    );
    assert.deepEqual(res.headers.get("cache-control"), "private, no-store");
    assert.deepEqual(res.headers.get("x-robots-tag"), "noindex");
    assert.deepEqual(res.headers.get("x-content-type-options"), "nosniff");
    const etag = res.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{40}"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(res.headers.get("content-length"), String(bytes.length));
    const text = await pdfText(bytes);
    assert(text.includes("Faktura") && text.includes("INV-2026-00456"), text);

    const again = await s.fetch(doc("invoice") + "?lang=pl", {
      headers: { "if-none-match": etag },
    });
    assert.deepEqual(again.status, 304);
    assert.deepEqual(again.headers.get("etag"), etag);
    assert.deepEqual(await again.text(), "");

    const head = await s.fetch(doc("invoice") + "?lang=pl", { method: "HEAD" });
    assert.deepEqual(head.status, 200);
    assert.deepEqual(head.headers.get("etag"), etag);
    assert.deepEqual(head.headers.get("content-type"), "application/pdf");
    assert.deepEqual(await head.text(), "");

    const post = await s.fetch(doc("invoice"), { method: "POST" });
    assert.deepEqual(post.status, 405);
    assert.deepEqual(await errorCode(post), "method_not_allowed");

    // Another language is another document: no 304.
    const en = await s.fetch(doc("invoice") + "?lang=en", { headers: { "if-none-match": etag } });
    assert.deepEqual(en.status, 200);
    assert((await pdfText(new Uint8Array(await en.arrayBuffer()))).includes("Invoice"));
  });
});

Deno.test("GET all: a ZIP of the three PDFs", async () => {
  await withServer(async (s) => {
    const res = await s.fetch(doc("all"));
    assert.deepEqual(res.status, 200);
    assert.deepEqual(res.headers.get("content-type"), "application/zip");
    assert.deepEqual(
      res.headers.get("content-disposition"),
      'attachment; filename="ORD-008456-documents.zip"',
    );
    const zip = await JSZip.loadAsync(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(Object.keys(zip.files), [
      "ORD-008456-order-confirmation.pdf",
      "ORD-008456-packing-slip.pdf",
      "ORD-008456-invoice.pdf",
    ]);
    const etag = res.headers.get("etag")!;
    const again = await s.fetch(doc("all"), { headers: { "if-none-match": etag } });
    assert.deepEqual(again.status, 304);
    await again.body?.cancel();
  });
});

Deno.test("404s: another customer's order, unknown order, unknown document", async () => {
  await withServer(async (s) => {
    for (
      const path of [
        doc("invoice", "retail", "ORD-009999"), // exists, but belongs to another customer
        doc("all", "retail", "ORD-009999"),
        doc("invoice", "elsewhere", "ORD-008456"), // same customer ref, other org
        doc("invoice", "retail", "ORD-000000"),
        doc("invoice", "retail", "..%2F..%2Fetc"),
        doc("receipt"),
        doc("INVOICE"),
      ]
    ) {
      const res = await s.fetch(path);
      assert.deepEqual(res.status, 404, path);
      assert.deepEqual(await errorCode(res), "not_found");
    }
    // The other customer does get their own order.
    const own = await s.fetch(doc("packing-slip", "other", "ORD-009999"));
    assert.deepEqual(own.status, 200);
    await own.body?.cancel();
  });
});

Deno.test("admin PUT: the ERP's PDF replaces the generated one; bad uploads are 4xx", async () => {
  await withServer(async (s) => {
    const url = "/api/admin/v1/orders/ORD-008456/documents/invoice";
    const auth = { authorization: `Bearer ${s.adminKey}` };
    const pdf = new TextEncoder().encode("%PDF-1.4\n% ERP invoice\n%%EOF\n");

    const noKey = await s.fetch(url, { method: "PUT", body: pdf });
    assert.deepEqual(noKey.status, 401);
    await noKey.body?.cancel();

    const wrongType = await s.fetch(url, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: pdf,
    });
    assert.deepEqual(wrongType.status, 415);
    assert.deepEqual(await errorCode(wrongType), "unsupported_media_type");

    const html = await s.fetch(url, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/pdf" },
      body: "<html></html>",
    });
    assert.deepEqual(html.status, 415);
    await html.body?.cancel();

    const wrongDoc = await s.fetch("/api/admin/v1/orders/ORD-008456/documents/all", {
      method: "PUT",
      headers: { ...auth, "content-type": "application/pdf" },
      body: pdf,
    });
    assert.deepEqual(wrongDoc.status, 404);
    await wrongDoc.body?.cancel();

    const before = await s.fetch(doc("invoice"));
    const beforeTag = before.headers.get("etag");
    await before.body?.cancel();

    const put = await s.fetch(url, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/pdf" },
      body: pdf,
    });
    assert.deepEqual(put.status, 201);
    const meta = await put.json();
    assert.deepEqual(meta.order_number, "ORD-008456");
    assert.deepEqual(meta.doc_id, "invoice");
    assert.deepEqual(meta.size, pdf.length);

    const served = await s.fetch(doc("invoice"));
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), pdf);
    assert(served.headers.get("etag") !== beforeTag);

    const back = await s.fetch(url, { headers: auth });
    assert.deepEqual(new Uint8Array(await back.arrayBuffer()), pdf);

    const replace = await s.fetch(url, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/pdf" },
      body: pdf,
    });
    assert.deepEqual(replace.status, 200);
    await replace.body?.cancel();

    const del = await s.fetch(url, { method: "DELETE", headers: auth });
    assert.deepEqual(del.status, 204);
    const gone = await s.fetch(url, { method: "DELETE", headers: auth });
    assert.deepEqual(gone.status, 404);
    await gone.body?.cancel();
    const regenerated = await s.fetch(doc("invoice"));
    assert.deepEqual(regenerated.headers.get("etag"), beforeTag);
    await regenerated.body?.cancel();
  });
});

Deno.test("admin PUT over 10 MB without a declared length: 413 while streaming", async () => {
  await withServer(async (s) => {
    let sent = 0;
    const piece = new Uint8Array(256 * 1024);
    piece.set(new TextEncoder().encode("%PDF-1.7\n"));
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        // Stops after 12 MB; the server answers once it has seen 10 MB + 1 byte.
        if (sent >= 12 * 1024 * 1024) return c.close();
        c.enqueue(sent === 0 ? piece : new Uint8Array(piece.length));
        sent += piece.length;
      },
    });
    const res = await s.fetch("/api/admin/v1/orders/ORD-008456/documents/invoice", {
      method: "PUT",
      headers: { authorization: `Bearer ${s.adminKey}`, "content-type": "application/pdf" },
      body,
    }).catch((err) => {
      console.log("upload ended by the server before a response:", String(err));
      return null;
    });
    if (res) {
      assert.deepEqual(res.status, 413);
      assert.deepEqual(await errorCode(res), "payload_too_large");
    }
    let chunks = 0;
    for await (const _ of s.services.kv.list({ prefix: ["blob_chunk"] })) chunks++;
    assert.deepEqual(chunks, 0, "a refused upload leaves no chunks");
    const refs = await s.services.kv.get(["order_document", "acme", "ORD-008456", "invoice"]);
    assert.deepEqual(refs.value, null);
  });
});

Deno.test("downloads go through the link checks and the per-link rate limit", async () => {
  await withServer(async (s) => {
    const bad = await s.fetch(
      "/api/portal/customer/mpl_notarealtoken/orders/ORD-008456/documents/invoice",
    );
    assert.deepEqual(bad.status, 401);
    assert.deepEqual(await errorCode(bad), "link_invalid");
    for (let i = 0; i < 3; i++) {
      const ok = await s.fetch(doc("packing-slip"));
      assert.deepEqual(ok.status, 200);
      await ok.body?.cancel();
    }
    const limited = await s.fetch(doc("packing-slip"));
    assert.deepEqual(limited.status, 429);
    assert(limited.headers.get("retry-after"), "Retry-After on a 429");
    assert.deepEqual(await errorCode(limited), "rate_limited");
  }, { RATE_LIMIT_PER_HOUR: "3" });
});

/** The wireframe order again under another number (the misbehaving worker's cues). */
async function seedOrder(s: DocumentsServer, number: string) {
  const { lines, ...order } =
    (await getOrder(s.services.kv, "acme", "CUST-RS-2026-045", "ORD-008456"))!;
  await upsertOrder(s.services.kv, "acme", number, {
    customer_ref: order.customer_ref,
    order_date: order.order_date,
    delivery_date: order.delivery_date,
    status: order.status,
    currency: order.currency,
    delivery_address: order.delivery_address,
    lines: lines.map(({ line_total: _t, ...l }) => l),
  }, s.clock.now());
}

async function withEngine(engine: DocumentEngine, fn: () => Promise<void>) {
  const previous = setDocumentEngine(engine);
  try {
    await fn();
  } finally {
    engine.pool.close();
    setDocumentEngine(previous);
  }
}

const misbehaving = new URL("./misbehaving_worker.ts", import.meta.url);

Deno.test("a full generation queue answers 503 with Retry-After in the JSON error shape", async () => {
  await withServer(async (s) => {
    await seedOrder(s, "HANG");
    const engine = createDocumentEngine({
      workers: 1,
      maxQueue: 0,
      memoryBytes: 0,
      kvTtlMs: 0,
      workerUrl: misbehaving,
    });
    await withEngine(engine, async () => {
      // Takes the only worker and never finishes.
      const stuck = s.fetch(doc("invoice", "retail", "HANG"));
      while (engine.pool.stats().running === 0) await new Promise((r) => setTimeout(r, 5));
      const busy = await s.fetch(doc("all"));
      assert.equal(busy.status, 503);
      assert.match(busy.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
      assert.equal(await errorCode(busy), "service_unavailable");
      // A HEAD or a revalidation needs no generation and is still answered.
      const head = await s.fetch(doc("all"), { method: "HEAD" });
      assert.equal(head.status, 200);
      engine.pool.close();
      const ended = await stuck;
      assert.equal(ended.status, 503, "a request whose generation is abandoned gets a clean 503");
      assert.equal(await errorCode(ended), "service_unavailable");
    });
  });
});

Deno.test("a crashing document worker answers a clean 503, and the next download works", async () => {
  await withServer(async (s) => {
    await seedOrder(s, "CRASH");
    const engine = createDocumentEngine({
      workers: 1,
      maxQueue: 4,
      memoryBytes: 0,
      kvTtlMs: 0,
      workerUrl: misbehaving,
    });
    await withEngine(engine, async () => {
      const crashed = await s.fetch(doc("all", "retail", "CRASH"));
      assert.equal(crashed.status, 503);
      assert.equal(await errorCode(crashed), "service_unavailable");
      assert(crashed.headers.get("retry-after"));
      const ok = await s.fetch(doc("all"));
      assert.equal(ok.status, 200);
      await JSZip.loadAsync(new Uint8Array(await ok.arrayBuffer()));
      assert.equal(engine.pool.stats().workersStarted, 2, "the crashed worker was replaced");
    });
  });
});
