/** The blob store the portal uses: Deno KV by default (see kv_store.ts for the design). */
import type { Config } from "@/lib/config.ts";
import type { Services } from "@/lib/services.ts";
import { KvBlobStore } from "./kv_store.ts";
import type { BlobStore } from "./store.ts";

export type { BlobMeta, BlobStore, PutOptions } from "./store.ts";
export { BlobGoneError, BlobTooLargeError } from "./store.ts";
export { KvBlobStore } from "./kv_store.ts";

/** Added to the longest possible request before the sweep may take what it left. */
export const SWEEP_MARGIN_MS = 3_600_000;

/**
 * How old an upload's last progress, or an unclaimed blob, must be before the sweep takes it:
 * longer than any request can run (`REQUEST_BODY_TIMEOUT_SECONDS`, which lib/http enforces),
 * plus a margin, so no request that is still running can lose its photos to the sweep.
 */
export function sweepAgeMs(config: Config): number {
  return config.REQUEST_BODY_TIMEOUT_SECONDS * 1000 + SWEEP_MARGIN_MS;
}

export function blobStoreFor(services: Services): BlobStore {
  return new KvBlobStore(services.kv, () => services.clock.now());
}

/** Removes what crashed or abandoned requests left behind (run hourly from cron). */
export function sweepBlobs(services: Services): Promise<{ removed: number }> {
  return blobStoreFor(services).sweep(sweepAgeMs(services.config));
}
