/**
 * Blob storage behind a small interface, so the default Deno KV store can later be swapped
 * for an S3-compatible one (put = a multipart upload to an `incoming/` prefix, claim = a copy
 * or tag change, sweep = a bucket lifecycle rule) without touching the callers.
 *
 * A blob is readable only once it is whole: `get` finds blobs through a manifest that is
 * written last, so a reader never sees half a file.
 */
import { TooLargeError } from "@/lib/errors.ts";

export interface BlobMeta {
  id: string;
  size: number;
  /** Hex SHA-256 of the content, computed while it streamed in. */
  sha256: string;
  contentType: string;
  created_at: string;
}

export interface PutOptions {
  contentType: string;
  /** The put fails with BlobTooLargeError as soon as more than this many bytes arrive. */
  maxBytes: number;
  /**
   * Milliseconds after which the blob removes itself (a cache entry, not a record's file).
   * Its chunks outlive its manifest, so a reader never finds a manifest without its chunks.
   */
  expireIn?: number;
}

export interface BlobStore {
  /**
   * Stores a stream (or bytes) as one blob. The blob is "unclaimed" until `claim`: a sweep
   * removes unclaimed blobs left by a request that died before its record was committed.
   */
  put(
    data: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array,
    opts: PutOptions,
  ): Promise<BlobMeta>;
  /** The blob's metadata and content, or null when there is no whole blob with this id. */
  get(id: string): Promise<{ meta: BlobMeta; stream: ReadableStream<Uint8Array> } | null>;
  delete(id: string): Promise<void>;
  /**
   * Marks blobs as referenced. With `op`, the claim joins the caller's atomic operation, so
   * the record that references the blobs and the claim commit together (KV store only), and
   * that operation fails if any of the blobs is swept or deleted before it commits. Throws
   * BlobGoneError when a blob is already gone or claimed.
   */
  claim(ids: string[], op?: Deno.AtomicOperation): Promise<void>;
  /**
   * Removes uploads that made no progress for `olderThanMs` and unclaimed blobs finished
   * longer ago than that. Never takes a blob whose claim committed first.
   */
  sweep(olderThanMs: number): Promise<{ removed: number }>;
}

/**
 * The blob is not there any more (or is another record's): a sweep took an upload that
 * stalled, or an unclaimed blob that waited too long for its record.
 */
export class BlobGoneError extends Error {
  constructor() {
    super("The blob is gone: it was swept or deleted.");
  }
}

export class BlobTooLargeError extends TooLargeError {
  constructor(readonly maxBytes: number) {
    super(`The blob is larger than ${maxBytes} bytes.`);
  }
}
