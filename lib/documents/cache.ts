/**
 * Generated documents, kept per order version so a repeat download costs a lookup, not a
 * generation. The version is the document's ETag: it already hashes everything the bytes are
 * drawn from (layout, document, language, org, customer, the order's `updated_at`, pushed
 * files), so a change to the order, its shipments or a pushed file is a new key and nothing
 * has to remember to invalidate. Two layers:
 *
 * - memory: a byte-bounded LRU per process, for the common repeat download;
 * - KV: the blob store's chunks with an expiry, shared by Deploy's isolates and restarts. One
 *   entry per order document and language (`["document_cache", org, order, doc, locale]` →
 *   version, code version, blob id), so a new version replaces the old one and deletes its
 *   chunks; what is never downloaded again expires. Entries also carry a hash of the code
 *   that draws documents, so a deploy that changes a layout cannot serve the old one.
 *
 * Concurrent requests for the same missing version share one generation (single flight).
 */
import { LRUCache } from "lru-cache";
import { log } from "@/lib/log.ts";
import { readAllBytes } from "@/lib/streams.ts";
import type { Locale } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import { blobStore } from "./stored.ts";

/** Larger results (ZIPs of big pushed files) are served but not kept: cheap to rebuild. */
export const MAX_CACHED_BYTES = 8 * 1024 * 1024;

/** Which document of which order, in which language: one KV entry, replaced per version. */
export interface CacheSlot {
  org: string;
  orderNumber: string;
  /** A document id or "all" (the ZIP). */
  doc: string;
  locale: Locale;
}

export interface CacheKey extends CacheSlot {
  /** The ETag. */
  version: string;
}

/**
 * Bytes in memory up to `maxBytes` (lru-cache, sized by byte length): the least recently used
 * go first, and no entry may take more than a quarter of the budget.
 */
export function memoryLru(maxBytes: number): LRUCache<string, Uint8Array> {
  return new LRUCache<string, Uint8Array>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 4),
    sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
  });
}

interface CacheRef {
  version: string;
  code: string;
  blob_id: string;
  size: number;
}

const refKey = (s: CacheSlot): Deno.KvKey => [
  "document_cache",
  s.org,
  s.orderNumber,
  s.doc,
  s.locale,
];

const SOURCES = [
  "pdf.ts",
  "messages.ts",
  "format.ts",
  "fonts.ts",
  "zip.ts",
  "render.ts",
  "fonts/DejaVuSans.ttf",
  "fonts/DejaVuSans-Bold.ttf",
];
const LIBRARIES = ["pdf-lib", "@pdf-lib/fontkit", "jszip"];

let codeVersion: Promise<string> | undefined;

/**
 * A hash of what draws the bytes: the document modules, the fonts, the pinned pdf-lib, fontkit
 * and jszip, and the Deno version (its ICU formats the numbers and dates). Where the sources
 * cannot be read, a per-process value: KV entries are then never shared, but never stale.
 */
export function documentCodeVersion(): Promise<string> {
  codeVersion ??= (async () => {
    try {
      const hash = new PartsHash();
      for (const file of SOURCES) {
        hash.add(file, await Deno.readFile(new URL(`./${file}`, import.meta.url)));
      }
      const config = JSON.parse(
        await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
      );
      for (const lib of LIBRARIES) hash.add(lib, String(config.imports?.[lib]));
      hash.add("deno", Deno.version.deno);
      return await hash.hex();
    } catch (err) {
      log.warn("document code version unknown; the KV cache is not shared", { err });
      return `process-${crypto.randomUUID()}`;
    }
  })();
  return codeVersion;
}

/** Length-prefixed parts hashed together, so ("ab","c") and ("a","bc") differ. */
class PartsHash {
  readonly #parts: Uint8Array[] = [];
  add(name: string, value: string | Uint8Array) {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.#parts.push(new TextEncoder().encode(`${name}:${bytes.byteLength}:`), bytes);
  }
  async hex(): Promise<string> {
    const all = new Uint8Array(this.#parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of this.#parts) {
      all.set(p, at);
      at += p.byteLength;
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
    return Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  }
}

export interface DocumentCacheOptions {
  /** In-memory budget in bytes; 0 turns the memory layer off. */
  memoryBytes: number;
  /** How long a KV entry lives, in ms; 0 turns the KV layer off. */
  kvTtlMs: number;
}

type KvServices = Pick<Services, "kv" | "clock">;

export class DocumentCache {
  readonly memory: LRUCache<string, Uint8Array> | null;
  readonly #kvTtlMs: number;
  readonly #inflight = new Map<string, Promise<Uint8Array>>();

  constructor(opts: DocumentCacheOptions) {
    this.memory = opts.memoryBytes > 0 ? memoryLru(opts.memoryBytes) : null;
    this.#kvTtlMs = opts.kvTtlMs;
  }

  /**
   * The bytes for this version: from memory, else KV, else `create()` (once, however many
   * ask at the same time), which are then kept in both.
   */
  getOrCreate(
    services: KvServices,
    key: CacheKey,
    /** `keep: false`: serve these bytes but do not keep them (made from a stale input). */
    create: () => Promise<{ bytes: Uint8Array; keep?: boolean }>,
  ): Promise<Uint8Array> {
    const hit = this.memory?.get(key.version);
    if (hit) return Promise.resolve(hit);
    const pending = this.#inflight.get(key.version);
    if (pending) return pending;
    const work = (async () => {
      const found = await this.lookup(services, key);
      if (found) return found;
      const { bytes, keep = true } = await create();
      if (keep) await this.store(services, key, bytes);
      return bytes;
    })().finally(() => this.#inflight.delete(key.version));
    this.#inflight.set(key.version, work);
    return work;
  }

  /** Kept bytes for this version, or null; never generates. */
  async lookup(services: KvServices, key: CacheKey): Promise<Uint8Array | null> {
    const hit = this.memory?.get(key.version);
    if (hit) return hit;
    if (!this.#kvTtlMs) return null;
    try {
      const bytes = await this.#kvGet(services, key);
      if (bytes) this.memory?.set(key.version, bytes);
      return bytes;
    } catch (err) {
      // A cache that cannot be read is a miss, not a failed download.
      log.warn("document cache read failed", { err });
      return null;
    }
  }

  /** Keeps the bytes of this version in memory and KV (a failed KV write is only logged). */
  async store(services: KvServices, key: CacheKey, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength > MAX_CACHED_BYTES) return;
    this.memory?.set(key.version, bytes);
    if (!this.#kvTtlMs) return;
    try {
      await this.#kvPut(services, key, bytes);
    } catch (err) {
      log.warn("document cache write failed", { err });
    }
  }

  async #kvGet(services: KvServices, key: CacheKey): Promise<Uint8Array | null> {
    const ref = (await services.kv.get<CacheRef>(refKey(key))).value;
    if (!ref || ref.version !== key.version || ref.code !== await documentCodeVersion()) {
      return null;
    }
    const found = await blobStore(services).get(ref.blob_id);
    if (!found) return null;
    // Read whole before use: a chunk that expired or was replaced meanwhile is a miss.
    const bytes = await readAllBytes(found.stream);
    return bytes.byteLength === ref.size ? bytes : null;
  }

  async #kvPut(services: KvServices, key: CacheKey, bytes: Uint8Array): Promise<void> {
    const code = await documentCodeVersion();
    const store = blobStore(services);
    const meta = await store.put(bytes, {
      contentType: "application/octet-stream",
      maxBytes: MAX_CACHED_BYTES,
      expireIn: this.#kvTtlMs,
    });
    const ref: CacheRef = { version: key.version, code, blob_id: meta.id, size: meta.size };
    for (let attempt = 0; attempt < 5; attempt++) {
      const prev = await services.kv.get<CacheRef>(refKey(key));
      if (prev.value?.version === key.version && prev.value.code === code) break; // another isolate
      const op = services.kv.atomic().check(prev).set(refKey(key), ref, {
        expireIn: this.#kvTtlMs,
      });
      await store.claim([meta.id], op);
      if ((await op.commit()).ok) {
        if (prev.value) await store.delete(prev.value.blob_id);
        return;
      }
    }
    await store.delete(meta.id);
  }
}
