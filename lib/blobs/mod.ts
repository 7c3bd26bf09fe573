/** The blob store the portal uses: Deno KV by default (see kv_store.ts for the design). */
import type { Services } from "@/lib/services.ts";
import { KvBlobStore } from "./kv_store.ts";
import type { BlobStore } from "./store.ts";

export type { BlobMeta, BlobStore, PutOptions } from "./store.ts";
export { BlobTooLargeError } from "./store.ts";
export { KvBlobStore } from "./kv_store.ts";

/** Unfinished uploads and unclaimed blobs older than this are swept. */
export const BLOB_SWEEP_AGE_MS = 24 * 3_600_000;

export function blobStoreFor(services: Services): BlobStore {
  return new KvBlobStore(services.kv, () => services.clock.now());
}

/** Removes what crashed requests left behind (run hourly from cron). */
export function sweepBlobs(services: Services): Promise<{ removed: number }> {
  return blobStoreFor(services).sweep(BLOB_SWEEP_AGE_MS);
}
