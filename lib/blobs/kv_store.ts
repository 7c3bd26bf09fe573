/**
 * The default blob store: Deno KV (works on Deno Deploy, which has no writable disk).
 *
 * KV values are at most 64 KiB, so a blob is split into 60 KiB chunks, each written in its own
 * operation (one atomic op has a size cap, and a 10 MB photo would exceed it). The manifest is
 * committed LAST, in one atomic op that also drops the "upload in progress" marker: `get` only
 * finds blobs through a manifest, so a reader never sees half a file, and a crash mid-upload
 * leaves chunks that nothing points at and nothing serves.
 *
 * Cleanup choice: a sweep, not `expireIn` on chunks. KV cannot clear an expiry without
 * rewriting the value, so expiring chunks would mean writing every photo twice. Instead:
 * - `["blob_upload", id]` is written before the first chunk, says when the upload last made
 *   progress (refreshed at least every HEARTBEAT_MS while bytes arrive) and is deleted with the
 *   manifest commit; `sweep` deletes uploads that made no progress for its age, so a live
 *   upload is never taken, however long it runs. Every chunk write is checked against that
 *   marker's versionstamp, so an upload the sweep did take stops at its next chunk
 *   (BlobGoneError) instead of writing chunks nothing will ever remove;
 * - a finished blob is "unclaimed" (`["blob_unclaimed", id]`, dated when it finished) until
 *   the record that uses it (a ticket) commits, deleting that marker in the same atomic op
 *   (`claim(ids, op)`); `sweep` deletes unclaimed blobs, so a request that died between upload
 *   and ticket leaves nothing.
 * The sweep and a claim exclude each other: `claim` checks the manifest's and the marker's
 * versionstamps in the record's operation, and the sweep deletes them only with a check on the
 * marker it read. Whichever commits first wins; the other sees that it lost (the record's
 * operation fails and its next `claim` throws BlobGoneError).
 *
 * A blob put with `expireIn` (a cache entry) has every key written with that expiry, the chunks
 * an hour longer than the manifest, so it needs no sweep and is never seen without its chunks.
 *
 * Keys: ["blob", id] manifest · ["blob_chunk", id, n] bytes · ["blob_upload", id] ·
 * ["blob_unclaimed", id].
 */
import { createHash } from "node:crypto";
import {
  BlobGoneError,
  type BlobMeta,
  type BlobStore,
  BlobTooLargeError,
  type PutOptions,
} from "./store.ts";

/** Under the 65,536-byte KV value limit with room for the value's own encoding. */
export const CHUNK_BYTES = 60 * 1024;
/** How much longer an expiring blob's chunks live than its manifest. */
const CHUNK_EXPIRY_GRACE_MS = 3_600_000;
/** An upload in progress re-dates its marker at least this often (while bytes arrive). */
export const HEARTBEAT_MS = 60_000;
/** Deletes are batched under KV's 1,000 mutations per atomic op. */
const DELETE_BATCH = 500;

interface Manifest extends BlobMeta {
  chunks: number;
}

interface Marker {
  at: string;
}

const keys = {
  manifest: (id: string): Deno.KvKey => ["blob", id],
  chunk: (id: string, n: number): Deno.KvKey => ["blob_chunk", id, n],
  chunks: (id: string): Deno.KvKey => ["blob_chunk", id],
  upload: (id: string): Deno.KvKey => ["blob_upload", id],
  uploads: (): Deno.KvKey => ["blob_upload"],
  unclaimed: (id: string): Deno.KvKey => ["blob_unclaimed", id],
  unclaimedAll: (): Deno.KvKey => ["blob_unclaimed"],
};

const ID_PATTERN = /^[0-9a-f]{32}$/;

function newId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

async function* iterate(
  data: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array,
): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  yield* data as AsyncIterable<Uint8Array>;
}

export class KvBlobStore implements BlobStore {
  constructor(
    private readonly kv: Deno.Kv,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(
    data: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array,
    opts: PutOptions,
  ): Promise<BlobMeta> {
    const id = newId();
    const startedAt = this.now().toISOString();
    const uploadKey = keys.upload(id);
    let marker = (await this.kv.set(uploadKey, { at: startedAt } satisfies Marker)).versionstamp;
    let beatAt = Date.parse(startedAt);
    const hash = createHash("sha256");
    const pending = new Uint8Array(CHUNK_BYTES);
    let fill = 0;
    let size = 0;
    let chunks = 0;
    const expiry = opts.expireIn === undefined ? undefined : { expireIn: opts.expireIn };
    const chunkExpiry = expiry && { expireIn: expiry.expireIn + CHUNK_EXPIRY_GRACE_MS };
    const flush = async () => {
      if (fill === 0) return;
      // Only while our marker is the one we wrote: a sweep that took this upload stops it.
      const op = this.kv.atomic()
        .check({ key: uploadKey, versionstamp: marker })
        .set(keys.chunk(id, chunks), pending.slice(0, fill), chunkExpiry);
      const now = this.now();
      const beat = now.getTime() - beatAt >= HEARTBEAT_MS;
      if (beat) op.set(uploadKey, { at: now.toISOString() } satisfies Marker);
      const res = await op.commit();
      if (!res.ok) throw new BlobGoneError();
      if (beat) {
        marker = res.versionstamp;
        beatAt = now.getTime();
      }
      chunks++;
      fill = 0;
    };
    try {
      for await (const piece of iterate(data)) {
        size += piece.byteLength;
        if (size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
        hash.update(piece);
        let offset = 0;
        while (offset < piece.byteLength) {
          const n = Math.min(CHUNK_BYTES - fill, piece.byteLength - offset);
          pending.set(piece.subarray(offset, offset + n), fill);
          fill += n;
          offset += n;
          if (fill === CHUNK_BYTES) await flush();
        }
      }
      await flush();
    } catch (err) {
      await this.removeChunks(id, chunks).catch(() => {});
      await this.kv.atomic().check({ key: uploadKey, versionstamp: marker }).delete(uploadKey)
        .commit().catch(() => {});
      throw err;
    }
    const meta: Manifest = {
      id,
      size,
      sha256: hash.digest("hex"),
      contentType: opts.contentType,
      created_at: startedAt,
      chunks,
    };
    // The commit point: manifest visible, upload marker gone, blob unclaimed until used
    // (dated now, so the sweep's age counts from the end of the upload, not its start).
    const res = await this.kv.atomic()
      .check({ key: keys.manifest(id), versionstamp: null })
      .check({ key: uploadKey, versionstamp: marker })
      .set(keys.manifest(id), meta, expiry)
      .set(keys.unclaimed(id), { at: this.now().toISOString() } satisfies Marker, expiry)
      .delete(uploadKey)
      .commit();
    if (!res.ok) {
      // Swept between the last chunk and now (ids are 128 random bits: never a collision).
      await this.removeChunks(id, chunks).catch(() => {});
      throw new BlobGoneError();
    }
    return toMeta(meta);
  }

  async get(id: string): Promise<{ meta: BlobMeta; stream: ReadableStream<Uint8Array> } | null> {
    if (!ID_PATTERN.test(id)) return null;
    const entry = await this.kv.get<Manifest>(keys.manifest(id));
    const manifest = entry.value;
    if (!manifest) return null;
    const kv = this.kv;
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (n >= manifest.chunks) {
          controller.close();
          return;
        }
        const chunk = await kv.get<Uint8Array>(keys.chunk(id, n++));
        if (!chunk.value) {
          controller.error(new Error(`Blob ${id} lost chunk ${n - 1}`));
          return;
        }
        controller.enqueue(chunk.value);
      },
    });
    return { meta: toMeta(manifest), stream };
  }

  async delete(id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) return;
    const entry = await this.kv.get<Manifest>(keys.manifest(id));
    // Manifest first: from here on no reader finds the blob, then the chunks go.
    await this.kv.atomic()
      .delete(keys.manifest(id))
      .delete(keys.unclaimed(id))
      .delete(keys.upload(id))
      .commit();
    await this.removeChunks(id, entry.value?.chunks);
  }

  async claim(ids: string[], op?: Deno.AtomicOperation): Promise<void> {
    const own = op ?? this.kv.atomic();
    for (const id of ids) {
      if (!ID_PATTERN.test(id)) throw new BlobGoneError();
      const [manifest, unclaimed] = await this.kv.getMany([keys.manifest(id), keys.unclaimed(id)]);
      // Gone (swept, deleted), or already another record's: this record cannot have it.
      if (manifest.versionstamp === null || unclaimed.versionstamp === null) {
        throw new BlobGoneError();
      }
      own.check(manifest).check(unclaimed).delete(keys.unclaimed(id));
    }
    if (!op && !(await own.commit()).ok) throw new BlobGoneError();
  }

  async sweep(olderThanMs: number): Promise<{ removed: number }> {
    const cutoff = this.now().getTime() - olderThanMs;
    let removed = 0;
    // Uploads that made no progress for `olderThanMs`: taking the marker (checked against the
    // entry read) stops the upload at its next chunk; then its chunks go.
    for await (const entry of this.kv.list<Marker>({ prefix: keys.uploads() })) {
      if (Date.parse(entry.value.at) > cutoff) continue;
      const id = String(entry.key[1]);
      const res = await this.kv.atomic().check(entry).delete(entry.key).commit();
      if (!res.ok) continue; // it made progress meanwhile (or finished)
      await this.removeChunks(id);
      removed++;
    }
    // Finished blobs no record claimed: manifest and marker go together, only if the marker is
    // still the one read (a claim that committed first deleted it, and wins).
    for await (const entry of this.kv.list<Marker>({ prefix: keys.unclaimedAll() })) {
      if (Date.parse(entry.value.at) > cutoff) continue;
      const id = String(entry.key[1]);
      const manifest = await this.kv.get<Manifest>(keys.manifest(id));
      const res = await this.kv.atomic()
        .check(entry)
        .check(manifest)
        .delete(entry.key)
        .delete(keys.manifest(id))
        .delete(keys.upload(id))
        .commit();
      if (!res.ok) continue;
      await this.removeChunks(id, manifest.value?.chunks);
      removed++;
    }
    return { removed };
  }

  /** Deletes chunks 0…count-1, or every chunk under the id when the count is unknown. */
  private async removeChunks(id: string, count?: number): Promise<void> {
    const doomed: Deno.KvKey[] = [];
    if (count === undefined) {
      for await (const e of this.kv.list({ prefix: keys.chunks(id) })) doomed.push(e.key);
    } else {
      for (let i = 0; i < count; i++) doomed.push(keys.chunk(id, i));
    }
    for (let i = 0; i < doomed.length; i += DELETE_BATCH) {
      const op = this.kv.atomic();
      for (const k of doomed.slice(i, i + DELETE_BATCH)) op.delete(k);
      await op.commit();
    }
  }
}

function toMeta(m: Manifest): BlobMeta {
  return {
    id: m.id,
    size: m.size,
    sha256: m.sha256,
    contentType: m.contentType,
    created_at: m.created_at,
  };
}
