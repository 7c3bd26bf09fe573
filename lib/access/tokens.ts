/**
 * Magic-link tokens: creation, verification (with renewal) and revocation. This module owns
 * every link key in Deno KV:
 *
 *   ["link", tokenHash]                              LinkRecord (tokenHash = SHA-256 hex)
 *   ["links_by_customer", org, ref, tokenHash]       {created_at}: to revoke them all at once
 *
 * The raw token exists only in the URL handed to the operator or emailed to the customer;
 * KV holds its hash. A link expires 90 days after its last use. Renewal is written at most
 * once a day (a write on every page view would halve throughput, platform-facts.md), and
 * `expireIn` removes records some time after they expired, while the read path still checks
 * `expires_at` because that deletion is eventual.
 */
import {
  magicLinkEmail,
  prepareEmail,
  queueEmailInAtomic,
  UndeliverableEmailError,
} from "@/lib/email/mod.ts";
import { InvalidInputError, UnauthorizedError } from "@/lib/errors.ts";
import type { Customer, Org } from "@/lib/orders/model.ts";
import { getCustomer, UnknownCustomerError } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { isWellFormedSecret, newSecret } from "./secret.ts";

export const LINK_PREFIX = "mpl_";
const DAY = 24 * 60 * 60 * 1000;
/** A link dies this long after its last use (INT-007: 90 days, renewed when accessed). */
export const LINK_IDLE_TTL_MS = 90 * DAY;
/** The renewal write happens at most this often per link. */
export const RENEWAL_INTERVAL_MS = DAY;
/**
 * Expired and revoked records stay this long before `expireIn` removes them, so the error
 * page can still name the org's contact; after that the link is simply unknown.
 */
export const KEEP_AFTER_END_MS = 30 * DAY;
/** Revocation rewrites records in atomic batches under KV's 1,000-mutation limit. */
const REVOKE_BATCH = 200;

export interface LinkRecord {
  org: string;
  customer_ref: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  revoked_at?: string;
}

export type LinkFailure = "malformed" | "unknown" | "revoked" | "expired";

/** One message for every refused link, so nothing tells which tokens once existed. */
export const LINK_INVALID_MESSAGE = "This customer portal link is invalid or has expired.";

/**
 * A link that is malformed, unknown, revoked or expired. Carries the org when the record
 * still names one, so the error page can show that org's contact.
 */
export class LinkInvalidError extends UnauthorizedError {
  constructor(readonly org?: Org) {
    super(LINK_INVALID_MESSAGE);
  }
}

export type LinkVerification =
  | { ok: true; org: Org; customer: Customer; tokenHash: string }
  | { ok: false; reason: LinkFailure; org?: Org };

const keys = {
  link: (hash: string) => ["link", hash],
  byCustomer: (org: string, ref: string, hash: string) => ["links_by_customer", org, ref, hash],
  customerPrefix: (org: string, ref: string) => ["links_by_customer", org, ref],
};

/** Format and checksum only: `false` means reject without any KV read. */
export function isWellFormedLinkToken(token: unknown): token is string {
  return isWellFormedSecret(LINK_PREFIX, token);
}

/** The stored form of a token. */
export function hashLinkToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/**
 * Issues a new link for an existing customer; several links per customer may coexist (one
 * per person or per email). With `sendEmail` the link is also mailed through the queue.
 * Throws UnknownCustomerError when the org or customer does not exist.
 *
 * @example
 * const { url, expires_at } = await createLink(services, "acme", "CUST-RS-2026-045", {});
 */
export async function createLink(
  services: Services,
  orgSlug: string,
  customerRef: string,
  opts: { sendEmail?: boolean } = {},
): Promise<{ url: string; token: string; expires_at: string }> {
  const { kv, clock, config } = services;
  const [org, customer] = await Promise.all([
    getOrg(kv, orgSlug),
    getCustomer(kv, orgSlug, customerRef),
  ]);
  if (!org || !customer) {
    throw new UnknownCustomerError(`No customer "${customerRef}" in org "${orgSlug}".`);
  }
  const now = clock.now();
  const token = newSecret(LINK_PREFIX);
  const tokenHash = await hashLinkToken(token);
  const record: LinkRecord = {
    org: orgSlug,
    customer_ref: customerRef,
    created_at: now.toISOString(),
    last_used_at: now.toISOString(),
    expires_at: new Date(now.getTime() + LINK_IDLE_TTL_MS).toISOString(),
  };
  const url = `${config.publicBaseUrl}/customer/${token}`;
  // The email is checked before the link exists and queued in the link's own operation: a
  // link is never live without the email that was asked for (lib/email/send.ts).
  const email = opts.sendEmail ? await linkEmail({ org, customer, url }) : undefined;
  const expireIn = LINK_IDLE_TTL_MS + KEEP_AFTER_END_MS;
  const op = kv.atomic()
    .check({ key: keys.link(tokenHash), versionstamp: null })
    .set(keys.link(tokenHash), record, { expireIn })
    .set(keys.byCustomer(orgSlug, customerRef, tokenHash), { created_at: record.created_at }, {
      expireIn,
    });
  if (email) queueEmailInAtomic(services, op, email);
  const res = await op.commit();
  // 256 random bits never collide in practice; a failed check means something is very wrong.
  if (!res.ok) throw new Error("Link token collision");
  return { url, token, expires_at: record.expires_at };
}

/**
 * The magic-link email, validated. An address on file that is not one (stored before
 * addresses were checked) is a 422 naming the record to correct, and no link is made.
 */
async function linkEmail(input: { org: Org; customer: Customer; url: string }) {
  try {
    return prepareEmail(await magicLinkEmail(input));
  } catch (err) {
    if (!(err instanceof UndeliverableEmailError)) throw err;
    const fields: Record<string, string[]> = {};
    if (err.fields?.to) fields["customer.email"] = ["Not a valid address: correct the customer."];
    if (err.fields?.reply_to) fields["org.support_email"] = ["Not a valid address."];
    throw new InvalidInputError(
      Object.keys(fields).length ? fields : { send_email: ["The email cannot be sent."] },
      "The link was not created: its email cannot be sent to the address on file.",
    );
  }
}

/**
 * Checks a token: format and checksum first (no KV), then the record (exists, not revoked,
 * not expired) and that its org and customer still exist. On success, renews the link if
 * its last renewal is a day old. A failure carries the org when the record names one, so
 * the error page can show that org's contact.
 *
 * @example
 * const v = await verifyLink(services, token);
 * if (!v.ok) throw new LinkInvalidError(v.org);
 */
export function verifyLink(services: Services, token: string): Promise<LinkVerification> {
  if (!isWellFormedLinkToken(token)) return Promise.resolve({ ok: false, reason: "malformed" });
  // Requests for the same link that arrive while its check is in flight share that check
  // (a page and its API calls, or a burst): one set of reads instead of one per request.
  // They see the state as of a read that began at most one round-trip earlier; nothing is
  // kept once it completes, so a revocation applies to every request that starts after.
  let byToken = inFlight.get(services.kv);
  if (!byToken) inFlight.set(services.kv, byToken = new Map());
  const shared = byToken.get(token);
  if (shared) return shared;
  const check = checkLink(services, token).finally(() => byToken.delete(token));
  byToken.set(token, check);
  return check;
}

const inFlight = new WeakMap<Deno.Kv, Map<string, Promise<LinkVerification>>>();

async function checkLink(services: Services, token: string): Promise<LinkVerification> {
  const { kv, clock } = services;
  const tokenHash = await hashLinkToken(token);
  const entry = await kv.get<LinkRecord>(keys.link(tokenHash));
  const record = entry.value;
  if (!record) return { ok: false, reason: "unknown" };
  const [org, customer] = await Promise.all([
    getOrg(kv, record.org),
    getCustomer(kv, record.org, record.customer_ref),
  ]);
  const known = org ? { org } : {};
  if (record.revoked_at) return { ok: false, reason: "revoked", ...known };
  const now = clock.now();
  if (now.getTime() >= Date.parse(record.expires_at)) {
    return { ok: false, reason: "expired", ...known };
  }
  if (!org || !customer) return { ok: false, reason: "unknown", ...known };

  if (now.getTime() - Date.parse(record.last_used_at) >= RENEWAL_INTERVAL_MS) {
    const renewed: LinkRecord = {
      ...record,
      last_used_at: now.toISOString(),
      expires_at: new Date(now.getTime() + LINK_IDLE_TTL_MS).toISOString(),
    };
    const expireIn = LINK_IDLE_TTL_MS + KEEP_AFTER_END_MS;
    // Guarded by the versionstamp just read: a revocation that lands in between wins, and
    // of two concurrent renewals one is enough. A lost race is not an error.
    await kv.atomic()
      .check(entry)
      .set(keys.link(tokenHash), renewed, { expireIn })
      .set(keys.byCustomer(record.org, record.customer_ref, tokenHash), {
        created_at: record.created_at,
      }, { expireIn })
      .commit();
  }
  return { ok: true, org, customer, tokenHash };
}

/**
 * Revokes every link of a customer at once; returns how many were revoked. Records are kept
 * (marked revoked) for a while so a revoked link still shows its org's contact.
 *
 * @example
 * const count = await revokeLinks(kv, "acme", "CUST-RS-2026-045");
 */
export async function revokeLinks(
  kv: Deno.Kv,
  orgSlug: string,
  customerRef: string,
  now: Date = new Date(),
): Promise<number> {
  const hashes: string[] = [];
  for await (const e of kv.list({ prefix: keys.customerPrefix(orgSlug, customerRef) })) {
    hashes.push(e.key[3] as string);
  }
  let count = 0;
  for (let i = 0; i < hashes.length; i += REVOKE_BATCH) {
    const batch = hashes.slice(i, i + REVOKE_BATCH);
    // getMany takes at most 10 keys.
    const reads = [];
    for (let j = 0; j < batch.length; j += 10) {
      reads.push(kv.getMany<LinkRecord[]>(batch.slice(j, j + 10).map((h) => keys.link(h))));
    }
    const entries = (await Promise.all(reads)).flat();
    const op = kv.atomic();
    for (const [j, hash] of batch.entries()) {
      const rec = entries[j].value;
      op.delete(keys.byCustomer(orgSlug, customerRef, hash));
      if (!rec || rec.revoked_at) continue;
      // No versionstamp check: revocation must win over a concurrent renewal.
      op.set(keys.link(hash), { ...rec, revoked_at: now.toISOString() }, {
        expireIn: KEEP_AFTER_END_MS,
      });
      count++;
    }
    await op.commit();
  }
  return count;
}
