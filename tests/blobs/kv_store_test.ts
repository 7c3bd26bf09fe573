/** The KV blob store: chunking under the value limit, manifest-last commits, limits, sweep. */
import { CHUNK_BYTES, KvBlobStore } from "@/lib/blobs/kv_store.ts";
import { BlobTooLargeError } from "@/lib/blobs/store.ts";
import assert from "node:assert/strict";
import { sha256Hex } from "@/lib/http/sha256.ts";

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  }
  return out;
}

function streamOf(bytes: Uint8Array, piece = 7_919): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bytes.length) return c.close();
      c.enqueue(bytes.slice(i, i + piece));
      i += piece;
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("a multi-chunk blob streams in and reads back identical, every chunk under 64 KiB", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    const bytes = randomBytes(CHUNK_BYTES * 3 + 123);
    const meta = await store.put(streamOf(bytes), { contentType: "image/png", maxBytes: 1e7 });
    assert.deepEqual(meta.size, bytes.length);
    assert.deepEqual(meta.sha256, await sha256Hex(bytes));
    const got = await store.get(meta.id);
    assert(got);
    assert.deepEqual(got.meta.contentType, "image/png");
    assert.deepEqual(await readAll(got.stream), bytes);
    let chunks = 0;
    for await (const e of kv.list<Uint8Array>({ prefix: ["blob_chunk", meta.id] })) {
      chunks++;
      assert(e.value.byteLength <= CHUNK_BYTES && e.value.byteLength < 65536);
    }
    assert.deepEqual(chunks, 4);
  } finally {
    kv.close();
  }
});

Deno.test("an empty blob and an exact-limit blob are stored; one byte over is refused and cleaned up", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    const empty = await store.put(new Uint8Array(0), { contentType: "x/y", maxBytes: 10 });
    assert.deepEqual(await readAll((await store.get(empty.id))!.stream), new Uint8Array(0));
    const exact = await store.put(streamOf(randomBytes(CHUNK_BYTES + 5)), {
      contentType: "x/y",
      maxBytes: CHUNK_BYTES + 5,
    });
    assert.deepEqual(exact.size, CHUNK_BYTES + 5);
    await assert.rejects(async () => {
      try {
        await store.put(streamOf(randomBytes(CHUNK_BYTES * 2 + 6)), {
          contentType: "x/y",
          maxBytes: CHUNK_BYTES * 2 + 5,
        });
      } catch (err) {
        assert(err instanceof BlobTooLargeError);
        throw err;
      }
    });
    // Only the two good blobs' chunks remain; no upload markers left behind.
    const left = new Set<string>();
    for await (const e of kv.list({ prefix: ["blob_chunk"] })) left.add(String(e.key[1]));
    assert.deepEqual([...left].sort(), [exact.id].sort());
    let markers = 0;
    for await (const _ of kv.list({ prefix: ["blob_upload"] })) markers++;
    assert.deepEqual(markers, 0);
  } finally {
    kv.close();
  }
});

Deno.test("a reader never finds a blob before its manifest; a dead upload is swept, not served", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let now = new Date("2026-01-01T00:00:00Z");
    const store = new KvBlobStore(kv, () => now);
    const bytes = randomBytes(CHUNK_BYTES * 2 + 1);
    let seenId = "";
    // A stream that stalls after the first chunk: the upload is "in the middle".
    let release!: () => void;
    const stalled = new Promise<void>((r) => release = r);
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(bytes.slice(0, CHUNK_BYTES + 10));
        await stalled;
        c.enqueue(bytes.slice(CHUNK_BYTES + 10));
        c.close();
      },
    });
    const put = store.put(stream, { contentType: "image/jpeg", maxBytes: 1e7 });
    // Wait until the first chunk is in KV.
    while (!seenId) {
      for await (const e of kv.list({ prefix: ["blob_chunk"] })) seenId = String(e.key[1]);
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual(await store.get(seenId), null, "half a blob is not readable");
    release();
    const meta = await put;
    assert.deepEqual(meta.id, seenId);
    assert(await store.get(meta.id));

    // Simulate a crash mid-upload: a marker and a chunk with no manifest.
    await kv.set(["blob_upload", "f".repeat(32)], { at: now.toISOString() });
    await kv.set(["blob_chunk", "f".repeat(32), 0], new Uint8Array(10));
    assert.deepEqual(await store.get("f".repeat(32)), null);
    // Claimed blobs survive a sweep; unclaimed ones and dead uploads go once old enough.
    const kept = await store.put(new Uint8Array([1, 2, 3]), { contentType: "x/y", maxBytes: 10 });
    await store.claim([kept.id]);
    assert.deepEqual((await store.sweep(3_600_000)).removed, 0, "nothing is old yet");
    now = new Date("2026-01-02T00:00:00Z");
    assert.deepEqual((await store.sweep(3_600_000)).removed, 2);
    assert.deepEqual(await store.get(meta.id), null);
    assert(await store.get(kept.id));
    const ids = new Set<string>();
    for await (const e of kv.list({ prefix: ["blob_chunk"] })) ids.add(String(e.key[1]));
    assert.deepEqual([...ids], [kept.id]);
  } finally {
    kv.close();
  }
});

Deno.test("claim can join the caller's atomic operation; unknown or malformed ids read as null", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    const b = await store.put(new Uint8Array([9]), { contentType: "x/y", maxBytes: 1 });
    const op = kv.atomic().set(["record"], { photo: b.id });
    await store.claim([b.id], op);
    assert((await op.commit()).ok);
    assert.deepEqual((await kv.get(["blob_unclaimed", b.id])).value, null);
    assert.deepEqual(await store.get("../../etc/passwd"), null);
    assert.deepEqual(await store.get("0".repeat(32)), null);
    await store.delete(b.id);
    assert.deepEqual(await store.get(b.id), null);
  } finally {
    kv.close();
  }
});
