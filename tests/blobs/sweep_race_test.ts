/**
 * A sweep never eats a live upload (issue 10, item 9), in-process on the test clock: an upload
 * still streaming survives sweeps for as long as it makes progress; one that stalls is taken
 * and stops at its next chunk without leaving chunks behind; a photo swept before its ticket
 * commits keeps the ticket from committing (the commit checks each photo's manifest and claim
 * marker), and the report answers a clean 409 with nothing stored.
 */
import assert from "node:assert/strict";
import { KvBlobStore } from "@/lib/blobs/kv_store.ts";
import { blobStoreFor, sweepAgeMs, sweepBlobs } from "@/lib/blobs/mod.ts";
import { BlobGoneError, type BlobStore } from "@/lib/blobs/store.ts";
import { createTicket, type NewTicket } from "@/lib/issues/tickets.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";
import {
  asA,
  fileBytes,
  GOOD,
  JPEG_SIG,
  post,
  reportPath,
  seed,
  startIssueServer,
} from "@/tests/issues/issue_helpers.ts";

const MINUTE = 60_000;

/**
 * Pieces handed out one at a time: `next()` lets one more through and resolves once the
 * consumer has dealt with it (it asked for the piece after).
 */
function gatedPieces(pieces: Uint8Array[]) {
  let open: () => void = () => {};
  let asked: () => void = () => {};
  let askedP = new Promise<void>((r) => asked = r);
  async function* gen() {
    for (const p of pieces) {
      const gate = new Promise<void>((r) => open = r);
      asked();
      await gate;
      askedP = new Promise<void>((r) => asked = r);
      yield p;
    }
    asked();
  }
  return {
    stream: gen(),
    /** Resolves when the consumer waits for the next piece. */
    waiting: () => askedP,
    next: async () => {
      await askedP;
      open();
      await new Promise((r) => setTimeout(r, 0));
      await askedP;
    },
  };
}

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test("an upload that keeps streaming survives every sweep, however long it runs", async () => {
  using services = await makeTestServices();
  const store = blobStoreFor(services);
  const age = sweepAgeMs(services.config);
  const pieces = Array.from({ length: 60 }, (_, i) => fileBytes(JPEG_SIG, 70_000, i + 1));
  const gated = gatedPieces(pieces);
  const put = store.put(gated.stream, { contentType: "image/jpeg", maxBytes: 10_000_000 });
  for (let i = 0; i < pieces.length; i++) {
    await gated.next();
    // Half the sweep's age between pieces: 30 hours in all, far past any sweep age.
    services.clock.advance(age / 2);
    await sweepBlobs(services);
  }
  await gated.next();
  const meta = await put;
  const got = await store.get(meta.id);
  assert(got, "the blob is whole and readable");
  const bytes = new Uint8Array(await new Response(got.stream).arrayBuffer());
  const sent = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) sent.set(p, (o += p.length) - p.length);
  assert.deepEqual(bytes, sent);
});

Deno.test("an upload that stalls past the sweep's age is taken and stops at its next chunk, leaving nothing", async () => {
  using services = await makeTestServices();
  const store = new KvBlobStore(services.kv, () => services.clock.now());
  const pieces = Array.from({ length: 3 }, (_, i) => fileBytes(JPEG_SIG, 70_000, i + 1));
  const gated = gatedPieces(pieces);
  const put = store.put(gated.stream, { contentType: "image/jpeg", maxBytes: 10_000_000 });
  const refused = assert.rejects(put, BlobGoneError);
  await gated.next();
  assert.deepEqual(await count(services.kv, "blob_chunk"), 1);
  services.clock.advance(sweepAgeMs(services.config) + MINUTE);
  assert.deepEqual((await sweepBlobs(services)).removed, 1);
  // The next piece fills a chunk, whose write finds the upload taken: the put gives up.
  await Promise.race([gated.next(), put.catch(() => {})]);
  await refused;
  for (const p of ["blob", "blob_chunk", "blob_upload", "blob_unclaimed"]) {
    assert.deepEqual(await count(services.kv, p), 0, `no ${p} left`);
  }
});

Deno.test("the sweep can take a photo only before its ticket commits; a ticket never commits without its photos", async () => {
  using services = await makeTestServices();
  await seed(services);
  const blobs = blobStoreFor(services);
  const input = (ids: string[]): NewTicket => ({
    org: "acme",
    customer_ref: "CUST-A",
    customer_name: "Customer CUST-A",
    order_number: "ORD-A1",
    issue_type: "damaged",
    description: "Two pallets arrived crushed.",
    contact_email: "ops@example.com",
    photos: ids.map((id, i) => ({
      blob_id: id,
      name: `photo-${i + 1}.jpg`,
      type: "image/jpeg",
      size: 3,
      sha256: "0".repeat(64),
    })),
    locale: "en",
  });
  const photo = () =>
    blobs.put(new Uint8Array([0xff, 0xd8, 0xff]), {
      contentType: "image/jpeg",
      maxBytes: 10,
    });

  // The sweep lands between the ticket's read of its photos and its commit.
  const a = await photo();
  const sweepingMidway: BlobStore = Object.assign(Object.create(blobs), {
    async claim(ids: string[], op?: Deno.AtomicOperation) {
      await blobs.claim(ids, op);
      services.clock.advance(sweepAgeMs(services.config) + MINUTE);
      await sweepBlobs(services);
    },
  });
  await assert.rejects(createTicket(services, sweepingMidway, input([a.id])), BlobGoneError);
  assert.deepEqual((await listTickets(services.kv, "acme")).tickets, [], "no ticket");
  assert.deepEqual(await blobs.get(a.id), null);

  // A ticket that committed first keeps its photo through every later sweep.
  const b = await photo();
  const { ticket } = await createTicket(services, blobs, input([b.id]));
  assert.deepEqual(ticket.ticket_number, "TKT-2026-000001", "the failed one used no number");
  services.clock.advance(30 * 24 * 60 * MINUTE);
  await sweepBlobs(services);
  assert(await blobs.get(b.id), "a claimed photo is never swept");
  // …and no other ticket can claim it again.
  await assert.rejects(createTicket(services, blobs, input([b.id])), BlobGoneError);
});

Deno.test("report over HTTP: a photo swept while the rest of the body streams makes a clean 409, nothing stored", async () => {
  const server = await startIssueServer();
  try {
    const { services } = server;
    const boundary = "sweep" + crypto.randomUUID();
    const enc = new TextEncoder();
    const part = (name: string, value: string) =>
      enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
    let release: () => void = () => {};
    const rest = new Promise<void>((r) => release = r);
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n` +
            `Content-Type: image/jpeg\r\n\r\n`,
        ));
        c.enqueue(fileBytes(JPEG_SIG, 200_000, 7));
        c.enqueue(enc.encode("\r\n"));
        c.enqueue(part("issue_type", "damaged"));
        await rest;
        c.enqueue(part("description", GOOD.description!));
        c.enqueue(part("contact_email", GOOD.contact_email!));
        c.enqueue(enc.encode(`--${boundary}--\r\n`));
        c.close();
      },
    });
    const answer = server.fetch(reportPath(), {
      method: "POST",
      body,
      headers: { ...asA, "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    // The photo is whole (unclaimed, waiting for its ticket) while the body goes on.
    while (await count(services.kv, "blob_unclaimed") === 0) {
      await new Promise((r) => setTimeout(r, 2));
    }
    services.clock.advance(sweepAgeMs(services.config) + MINUTE);
    assert.deepEqual((await sweepBlobs(services)).removed, 1);
    release();
    const res = await answer;
    assert.deepEqual(res.status, 409);
    const problem = await res.json();
    assert.deepEqual(problem.error.code, "conflict", JSON.stringify(problem));
    assert.deepEqual(problem.error.fields.photos, [
      "A photo could not be kept. Please attach it again and send the report.",
    ]);
    for (const p of ["tickets", "blob", "blob_chunk", "blob_upload", "blob_unclaimed"]) {
      assert.deepEqual(await count(services.kv, p), 0, `no ${p} left`);
    }
    // Sent again, the same report goes through (and takes the first number).
    const again = await post(server, {
      ...GOOD,
      files: [{ name: "a.jpg", bytes: fileBytes(JPEG_SIG, 200_000, 7) }],
    });
    assert.deepEqual([again.status, again.body.ticket_number], [201, "TKT-2026-000001"]);
  } finally {
    await server.close();
  }
});
