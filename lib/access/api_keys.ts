/**
 * Org API keys for the admin API (`Authorization: Bearer mpk_…`). A key is shown once when
 * created; KV keeps only its SHA-256 hex:
 *
 *   ["api_key", keyHash]                  {org, created_at}
 *   ["api_keys_by_org", org, keyHash]     {created_at}: to list or revoke an org's keys
 */
import type { Org } from "@/lib/orders/model.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { isWellFormedSecret, newSecret } from "./secret.ts";

export const API_KEY_PREFIX = "mpk_";

interface ApiKeyRecord {
  org: string;
  created_at: string;
}

const keys = {
  key: (hash: string) => ["api_key", hash],
  byOrg: (org: string, hash: string) => ["api_keys_by_org", org, hash],
  orgPrefix: (org: string) => ["api_keys_by_org", org],
};

/**
 * Issues a new key for an org (which must exist; the caller checks). Returns the key once.
 *
 * @example
 * const { key } = await createApiKey(kv, "acme", new Date());
 */
export async function createApiKey(
  kv: Deno.Kv,
  orgSlug: string,
  now: Date,
): Promise<{ key: string }> {
  const key = newSecret(API_KEY_PREFIX);
  const hash = await sha256Hex(key);
  const record: ApiKeyRecord = { org: orgSlug, created_at: now.toISOString() };
  const res = await kv.atomic()
    .check({ key: keys.key(hash), versionstamp: null })
    .set(keys.key(hash), record)
    .set(keys.byOrg(orgSlug, hash), { created_at: record.created_at })
    .commit();
  if (!res.ok) throw new Error("API key collision");
  return { key };
}

/**
 * The org a key belongs to, or null. A malformed key (wrong prefix, length or checksum) is
 * rejected without a KV read.
 *
 * @example
 * const org = await verifyApiKey(kv, bearer); // Org | null
 */
export async function verifyApiKey(kv: Deno.Kv, key: string): Promise<Org | null> {
  if (!isWellFormedSecret(API_KEY_PREFIX, key)) return null;
  const record = (await kv.get<ApiKeyRecord>(keys.key(await sha256Hex(key)))).value;
  if (!record) return null;
  return await getOrg(kv, record.org);
}

/** Revokes every API key of an org; returns how many. */
export async function revokeApiKeys(kv: Deno.Kv, orgSlug: string): Promise<number> {
  let count = 0;
  let op = kv.atomic();
  let pending = 0;
  for await (const e of kv.list({ prefix: keys.orgPrefix(orgSlug) })) {
    const hash = e.key[2] as string;
    op.delete(keys.key(hash)).delete(e.key);
    count++;
    // Two mutations per key, kept well under KV's 1,000-mutation limit per atomic op.
    if (++pending === 400) {
      await op.commit();
      op = kv.atomic();
      pending = 0;
    }
  }
  if (pending) await op.commit();
  return count;
}
