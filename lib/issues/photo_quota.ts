/**
 * How much a customer may store in report photos: `PHOTO_QUOTA_MB_PER_DAY` megabytes and
 * `PHOTO_QUOTA_FILES_PER_DAY` files per UTC day, over all of its links (the defaults, 200 MB
 * and 50 files, are ten reports with five full-size phone photos each). Over it, a report
 * with photos is refused with 429 and `Retry-After` (the quota frees at the next UTC day): a
 * quota is a rate over time, as GitHub and Stripe answer theirs; 413 stays the answer for one
 * request that is too large whatever the day.
 *
 * It is checked three times so that nothing over it is stored: before the body is read (when
 * it says its length), while photos stream in (each may use only what is left), and in the
 * ticket's atomic operation, which adds the photos to the day's usage with a versionstamp
 * check, so concurrent reports cannot pass it together.
 *
 * Keys: ["photo_quota", org, customer_ref, day] → {bytes, files}; expire after two days.
 */
import type { Services } from "@/lib/services.ts";
import { utcDay } from "./confirmation_limits.ts";

const TWO_DAYS_MS = 2 * 24 * 3_600_000;
const MIB = 1024 * 1024;

const keys = {
  usage: (org: string, ref: string, day: string): Deno.KvKey => ["photo_quota", org, ref, day],
};

interface Usage {
  bytes: number;
  files: number;
}

export interface PhotoQuota {
  entry: Deno.KvEntryMaybe<Usage>;
  /** What today still allows. */
  left: Usage;
  /** Seconds until the next UTC day, when the quota is whole again. */
  retryAfterSeconds: number;
}

/** The customer's quota is used up for today (`retryAfterSeconds` until it frees). */
export class OverPhotoQuotaError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("The customer's photo quota for today is used up.");
  }
}

/** Today's usage of this customer and what is left. */
export async function readPhotoQuota(
  services: Services,
  org: string,
  customerRef: string,
): Promise<PhotoQuota> {
  const { kv, clock, config } = services;
  const now = clock.now();
  const entry = await kv.get<Usage>(keys.usage(org, customerRef, utcDay(now)));
  const used = entry.value ?? { bytes: 0, files: 0 };
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return {
    entry,
    left: {
      bytes: Math.max(0, config.PHOTO_QUOTA_MB_PER_DAY * MIB - used.bytes),
      files: Math.max(0, config.PHOTO_QUOTA_FILES_PER_DAY - used.files),
    },
    retryAfterSeconds: Math.max(1, Math.ceil((tomorrow - now.getTime()) / 1000)),
  };
}

/**
 * Adds photos to the day's usage in the caller's atomic operation (which fails if another
 * report changed the usage first). Throws OverPhotoQuotaError when they do not fit.
 */
export function chargePhotos(
  op: Deno.AtomicOperation,
  quota: PhotoQuota,
  photos: Array<{ size: number }>,
): void {
  if (photos.length === 0) return;
  const bytes = photos.reduce((n, p) => n + p.size, 0);
  if (photos.length > quota.left.files || bytes > quota.left.bytes) {
    throw new OverPhotoQuotaError(quota.retryAfterSeconds);
  }
  const used = quota.entry.value ?? { bytes: 0, files: 0 };
  op.check(quota.entry).set(quota.entry.key, {
    bytes: used.bytes + bytes,
    files: used.files + photos.length,
  }, { expireIn: TWO_DAYS_MS });
}
