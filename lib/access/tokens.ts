/**
 * Magic-link tokens: creation, verification (with renewal), accounting and revocation. This
 * module owns every link key in Deno KV:
 *
 *   ["link", tokenHash]                               LinkRecord (tokenHash = SHA-256 hex)
 *   ["links_by_customer", org, ref, tokenHash]        LinkIndexEntry: to list and revoke them
 *   ["link_usage", org, ref, tokenHash, counter]      Deno.KvU64: views, downloads, api,
 *                                                     last_used (ms); see `linkUsageTally`
 *   ["link_by_id", org, link_id]                      customer ref: `link revoke --link`
 *
 * The raw token exists only in the URL handed to the operator or emailed to the customer;
 * KV holds its hash. Every link records why it exists (`source`), who made it, and for whom
 * (recipient name and email, a label), so a customer's links can be listed and ended one
 * by one. Its public id is `lnk_` + the first 16 hex digits of the hash: enough to name it,
 * useless to open it, and derivable for links made before ids existed.
 *
 * A link expires after a stretch without use: 90 days, or `LINK_EMAIL_IDLE_DAYS` (default
 * 30) for links minted for an email (a magic-link or status email), which pile up otherwise.
 * Renewal is written at most once a day (a write on every page view would halve throughput,
 * platform-facts.md); use counts and the exact last use ride on the rate limit's one write
 * per request (lib/access/rate_limit.ts `tally`). `expireIn` removes records some time after
 * they ended, while the read path still checks `expires_at` because that deletion is eventual.
 */
import { enqueueEmailInAtomic, UndeliverableEmailError } from "@/lib/email/outgoing.ts";
import { magicLinkEmailJob } from "@/lib/email/templates/magic_link.ts";
import { InvalidInputError, NotFoundError, UnauthorizedError } from "@/lib/errors.ts";
import type { Customer, Org } from "@/lib/orders/model.ts";
import { getCustomer, UnknownCustomerError } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { RateTally } from "./rate_limit.ts";
import { sealToken } from "./link_seal.ts";
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
/** A customer's listing reads at most this many links (status emails mint one each). */
export const MAX_LISTED_LINKS = 2000;

/**
 * Why a link exists: made by an operator (CLI), the ERP (admin API) or staff (console) to
 * be handed over, minted for an email (a magic-link email, a shipment status email), or the
 * demo seed's. Links made before this was recorded have no source.
 */
export const LINK_SOURCES = [
  "operator_cli",
  "admin_api",
  "staff_console",
  "magic_link_email",
  "status_email",
  "demo_seed",
] as const;
export type LinkSource = typeof LINK_SOURCES[number];

/** Who made a link: the operator CLI, an org API key, a staff member, or the portal itself. */
export interface LinkCreator {
  kind: "cli" | "api_key" | "staff" | "system";
  /** The staff member's email (kind `staff`). */
  email?: string;
}

export interface LinkRecord {
  org: string;
  customer_ref: string;
  created_at: string;
  /** The last renewal (at most daily); the exact last use is in the usage counters. */
  last_used_at: string;
  expires_at: string;
  revoked_at?: string;
  link_id?: string;
  source?: LinkSource;
  created_by?: LinkCreator;
  recipient_name?: string;
  recipient_email?: string;
  label?: string;
  /** How long the link may go unused (absent: LINK_IDLE_TTL_MS). */
  idle_ms?: number;
  revoked_by?: LinkCreator;
}

/** The per-customer index entry: enough to list, count and revoke without the record. */
interface LinkIndexEntry {
  created_at: string;
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

/** No link with this id among this customer's (another customer's or org's is not found). */
export class LinkNotFoundError extends NotFoundError {}

export type LinkVerification =
  | { ok: true; org: Org; customer: Customer; tokenHash: string }
  | { ok: false; reason: LinkFailure; org?: Org };

export const USAGE_COUNTERS = ["views", "downloads", "api", "last_used"] as const;
export type UsageCounter = typeof USAGE_COUNTERS[number];

const keys = {
  link: (hash: string): Deno.KvKey => ["link", hash],
  byCustomer: (org: string, ref: string, hash: string): Deno.KvKey => [
    "links_by_customer",
    org,
    ref,
    hash,
  ],
  customerPrefix: (org: string, ref: string): Deno.KvKey => ["links_by_customer", org, ref],
  usage: (org: string, ref: string, hash: string, counter: UsageCounter): Deno.KvKey => [
    "link_usage",
    org,
    ref,
    hash,
    counter,
  ],
  customerUsage: (org: string, ref: string): Deno.KvKey => ["link_usage", org, ref],
  byId: (org: string, linkId: string): Deno.KvKey => ["link_by_id", org, linkId],
  orgPrefix: (org: string): Deno.KvKey => ["links_by_customer", org],
  allUsage: (): Deno.KvKey => ["link_usage"],
};

/** Format and checksum only: `false` means reject without any KV read. */
export function isWellFormedLinkToken(token: unknown): token is string {
  return isWellFormedSecret(LINK_PREFIX, token);
}

/** The stored form of a token. */
export function hashLinkToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/** The public id of the link with this token hash. */
export function linkIdOf(tokenHash: string): string {
  return `lnk_${tokenHash.slice(0, 16)}`;
}

export const LINK_ID = /^lnk_[0-9a-f]{16}$/;

/** Sources whose links were minted for an email: they get the shorter idle time. */
export function isEmailSource(source: LinkSource | undefined): boolean {
  return source === "magic_link_email" || source === "status_email";
}

function idleMsFor(services: Services, source: LinkSource | undefined): number {
  return isEmailSource(source) ? services.config.LINK_EMAIL_IDLE_DAYS * DAY : LINK_IDLE_TTL_MS;
}

export interface CreateLinkOptions {
  /** Why the link exists; `sendEmail` makes it `magic_link_email`. */
  source?: LinkSource;
  createdBy?: LinkCreator;
  recipientName?: string;
  recipientEmail?: string;
  label?: string;
  /**
   * Also email it (to `recipientEmail`, else the customer's address) through the queue: the
   * email job commits with the link, so a link whose email cannot be queued never exists.
   */
  sendEmail?: boolean;
  /** `/orders/ORD-1`: a path under the link the URL points at. */
  path?: string;
  /** Adds the caller's own records (an audit entry) to the link's atomic operation. */
  also?: (op: Deno.AtomicOperation, link: { link_id: string }) => void;
}

export interface CreatedLink {
  link_id: string;
  url: string;
  token: string;
  tokenHash: string;
  expires_at: string;
  /** Where the email goes, when one was queued. */
  emailed_to?: string;
}

/**
 * Issues a new link for an existing customer; several links per customer may coexist (the
 * customer's shared link, one per recipient, one per email). With `sendEmail` the link is
 * also mailed through the queue. Throws UnknownCustomerError when the org or customer does
 * not exist.
 *
 * @example
 * const { link_id, url, expires_at } = await createLink(services, "acme", "CUST-RS-2026-045", {
 *   source: "admin_api", createdBy: { kind: "api_key" }, recipientName: "Ana", label: "Warehouse",
 * });
 */
export async function createLink(
  services: Services,
  orgSlug: string,
  customerRef: string,
  opts: CreateLinkOptions = {},
): Promise<CreatedLink> {
  const { kv, clock, config } = services;
  const [org, customer] = await Promise.all([
    getOrg(kv, orgSlug),
    getCustomer(kv, orgSlug, customerRef),
  ]);
  if (!org || !customer) {
    throw new UnknownCustomerError(`No customer "${customerRef}" in org "${orgSlug}".`);
  }
  const source: LinkSource | undefined = opts.sendEmail && !isEmailSource(opts.source)
    ? "magic_link_email"
    : opts.source;
  const idleMs = idleMsFor(services, source);
  const now = clock.now();
  const token = newSecret(LINK_PREFIX);
  const tokenHash = await hashLinkToken(token);
  const link_id = linkIdOf(tokenHash);
  const record: LinkRecord = {
    org: orgSlug,
    customer_ref: customerRef,
    created_at: now.toISOString(),
    last_used_at: now.toISOString(),
    expires_at: new Date(now.getTime() + idleMs).toISOString(),
    link_id,
    ...(source ? { source } : {}),
    ...(opts.createdBy ? { created_by: opts.createdBy } : {}),
    ...(opts.recipientName ? { recipient_name: opts.recipientName } : {}),
    ...(opts.recipientEmail ? { recipient_email: opts.recipientEmail } : {}),
    ...(opts.label ? { label: opts.label } : {}),
    ...(idleMs !== LINK_IDLE_TTL_MS ? { idle_ms: idleMs } : {}),
  };
  const expireIn = idleMs + KEEP_AFTER_END_MS;
  const op = kv.atomic()
    .check({ key: keys.link(tokenHash), versionstamp: null })
    .set(keys.link(tokenHash), record, { expireIn })
    .set(keys.byCustomer(orgSlug, customerRef, tokenHash), { created_at: record.created_at }, {
      expireIn,
    })
    .set(keys.byId(orgSlug, link_id), customerRef, { expireIn });
  const url = `${config.publicBaseUrl}/customer/${token}${opts.path ?? ""}`;
  let emailed_to: string | undefined;
  if (opts.sendEmail) {
    emailed_to = opts.recipientEmail ?? customer.email;
    const job = magicLinkEmailJob({
      org,
      customer,
      to: emailed_to,
      recipientName: opts.recipientName,
      link: {
        source: source === "status_email" ? "status_email" : "magic_link_email",
        created_by: opts.createdBy ?? { kind: "system" },
        ...(opts.recipientName ? { recipient_name: opts.recipientName } : {}),
        ...(opts.recipientEmail ? { recipient_email: opts.recipientEmail } : {}),
        ...(opts.label ? { label: opts.label } : {}),
        link_id,
        // The job holds the token only sealed (lib/access/link_seal.ts): never raw in KV.
        sealed: await sealToken(token, link_id),
      },
    });
    // The email is checked before the link exists and queued in the link's own operation: a
    // link is never live without the email that was asked for.
    try {
      enqueueEmailInAtomic(services, op, job);
    } catch (err) {
      throw linkEmailRefused(err, opts.recipientEmail !== undefined);
    }
  }
  opts.also?.(op, { link_id });
  const res = await op.commit();
  // 256 random bits never collide in practice; a failed check means something is very wrong.
  if (!res.ok) throw new Error("Link token collision");
  return { link_id, url, token, tokenHash, expires_at: record.expires_at, emailed_to };
}

/**
 * An address on file that is not one (stored before addresses were checked) is a 422 naming
 * the record to correct, and no link is made.
 */
function linkEmailRefused(err: unknown, toRecipient: boolean): unknown {
  if (!(err instanceof UndeliverableEmailError)) return err;
  const fields: Record<string, string[]> = {};
  if (err.fields?.to) {
    fields[toRecipient ? "recipient_email" : "customer.email"] = [
      toRecipient ? "Not a valid address." : "Not a valid address: correct the customer.",
    ];
  }
  if (err.fields?.reply_to) fields["org.support_email"] = ["Not a valid address."];
  return new InvalidInputError(
    Object.keys(fields).length ? fields : { send_email: ["The email cannot be sent."] },
    "The link was not created: its email cannot be sent to the address on file.",
  );
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
    const idleMs = record.idle_ms ?? LINK_IDLE_TTL_MS;
    const renewed: LinkRecord = {
      ...record,
      last_used_at: now.toISOString(),
      expires_at: new Date(now.getTime() + idleMs).toISOString(),
    };
    const expireIn = idleMs + KEEP_AFTER_END_MS;
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
 * (marked revoked) for a while so a revoked link still shows its org's contact, and so the
 * customer's listing still shows what ended and when.
 *
 * @example
 * const count = await revokeLinks(kv, "acme", "CUST-RS-2026-045");
 */
export async function revokeLinks(
  kv: Deno.Kv,
  orgSlug: string,
  customerRef: string,
  now: Date = new Date(),
  opts: { by?: LinkCreator; also?: (op: Deno.AtomicOperation, count: number) => void } = {},
): Promise<number> {
  const hashes: string[] = [];
  for await (
    const e of kv.list<LinkIndexEntry>({ prefix: keys.customerPrefix(orgSlug, customerRef) })
  ) {
    if (!e.value.revoked_at) hashes.push(e.key[3] as string);
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
    let revoked = 0;
    for (const [j, hash] of batch.entries()) {
      const rec = entries[j].value;
      if (!rec) {
        op.delete(keys.byCustomer(orgSlug, customerRef, hash));
        continue;
      }
      if (rec.revoked_at) continue;
      revokeInto(op, hash, rec, now, opts.by);
      revoked++;
    }
    // The caller's records (an audit entry) go with the last batch.
    if (i + REVOKE_BATCH >= hashes.length) opts.also?.(op, count + revoked);
    await op.commit();
    count += revoked;
  }
  if (hashes.length === 0 && opts.also) {
    const op = kv.atomic();
    opts.also(op, 0);
    await op.commit();
  }
  return count;
}

/** Marks one record revoked (no versionstamp check: revocation must win over a renewal). */
function revokeInto(
  op: Deno.AtomicOperation,
  hash: string,
  rec: LinkRecord,
  now: Date,
  by: LinkCreator | undefined,
) {
  const revoked_at = now.toISOString();
  op.set(keys.link(hash), { ...rec, revoked_at, ...(by ? { revoked_by: by } : {}) }, {
    expireIn: KEEP_AFTER_END_MS,
  });
  op.set(keys.byCustomer(rec.org, rec.customer_ref, hash), {
    created_at: rec.created_at,
    revoked_at,
  }, { expireIn: KEEP_AFTER_END_MS });
}

/** The token hash of one of this customer's links, by its public id, or null. */
async function hashForLinkId(
  kv: Deno.Kv,
  org: string,
  ref: string,
  linkId: string,
): Promise<string | null> {
  if (!LINK_ID.test(linkId)) return null;
  const prefix = linkId.slice(4);
  // Hex digits sort below "g": the range holds exactly the hashes that start with the id.
  const iter = kv.list({
    start: keys.byCustomer(org, ref, prefix),
    end: keys.byCustomer(org, ref, prefix + "g"),
  }, { limit: 2 });
  for await (const e of iter) return e.key[3] as string;
  return null;
}

/**
 * The customer a link id of this org belongs to, or null. Links made before the id index
 * are found by scanning the org's link index (an operator's one-off, `link revoke --link`).
 */
export async function customerOfLink(
  kv: Deno.Kv,
  org: string,
  linkId: string,
): Promise<string | null> {
  if (!LINK_ID.test(linkId)) return null;
  const ref = (await kv.get<string>(keys.byId(org, linkId))).value;
  if (ref) return ref;
  const prefix = linkId.slice(4);
  for await (const e of kv.list({ prefix: keys.orgPrefix(org) })) {
    if (String(e.key[3]).startsWith(prefix)) return String(e.key[2]);
  }
  return null;
}

/**
 * Revokes one link of a customer. Throws LinkNotFoundError when the customer has no link
 * with this id (another customer's or org's id included); revoking an ended link again is a
 * no-op (`revoked: false`).
 *
 * @example
 * await revokeLink(services, "acme", "CUST-RS-2026-045", "lnk_0f3a…", { by: { kind: "cli" } });
 */
export async function revokeLink(
  services: Services,
  org: string,
  ref: string,
  linkId: string,
  opts: { by?: LinkCreator; also?: (op: Deno.AtomicOperation) => void } = {},
): Promise<{ revoked: boolean }> {
  const { kv, clock } = services;
  const hash = await hashForLinkId(kv, org, ref, linkId);
  const entry = hash ? await kv.get<LinkRecord>(keys.link(hash)) : null;
  const rec = entry?.value;
  if (!hash || !rec || rec.org !== org || rec.customer_ref !== ref) {
    throw new LinkNotFoundError(`No link ${linkId} for this customer.`);
  }
  if (rec.revoked_at) return { revoked: false };
  const op = kv.atomic();
  revokeInto(op, hash, rec, clock.now(), opts.by);
  opts.also?.(op);
  await op.commit();
  return { revoked: true };
}

/**
 * What a listing shows of a link: who it is for, why it exists, who made it, when it was
 * made and last used, and how often it was used. Never the token.
 */
export interface LinkView {
  link_id: string;
  recipient_name: string | null;
  recipient_email: string | null;
  label: string | null;
  source: LinkSource | null;
  created_by: LinkCreator | null;
  created_at: string;
  /** The last request under the link (any page or download), or null if never used. */
  last_used_at: string | null;
  expires_at: string;
  status: "active" | "expired" | "revoked";
  revoked_at: string | null;
  views: number;
  downloads: number;
  api_calls: number;
}

/**
 * A customer's links, newest first, without tokens: live ones and those that ended in the
 * last `KEEP_AFTER_END_MS` (their records are kept that long).
 *
 * @example
 * const links = await listLinks(services, "acme", "CUST-RS-2026-045");
 */
export async function listLinks(
  services: Services,
  org: string,
  ref: string,
): Promise<LinkView[]> {
  const { kv, clock } = services;
  const hashes: string[] = [];
  for await (
    const e of kv.list({ prefix: keys.customerPrefix(org, ref) }, { limit: MAX_LISTED_LINKS })
  ) {
    hashes.push(e.key[3] as string);
  }
  const usage = new Map<string, Partial<Record<UsageCounter, number>>>();
  for await (const e of kv.list<Deno.KvU64>({ prefix: keys.customerUsage(org, ref) })) {
    const hash = e.key[3] as string;
    const counts = usage.get(hash) ?? {};
    counts[e.key[4] as UsageCounter] = Number(e.value.value);
    usage.set(hash, counts);
  }
  const reads = [];
  for (let j = 0; j < hashes.length; j += 10) {
    reads.push(kv.getMany<LinkRecord[]>(hashes.slice(j, j + 10).map((h) => keys.link(h))));
  }
  const records = (await Promise.all(reads)).flat();
  const now = clock.now().getTime();
  const out: LinkView[] = [];
  for (const [i, hash] of hashes.entries()) {
    const rec = records[i].value;
    if (!rec || rec.org !== org || rec.customer_ref !== ref) continue;
    const u = usage.get(hash) ?? {};
    out.push({
      link_id: rec.link_id ?? linkIdOf(hash),
      recipient_name: rec.recipient_name ?? null,
      recipient_email: rec.recipient_email ?? null,
      label: rec.label ?? null,
      source: rec.source ?? null,
      created_by: rec.created_by ?? null,
      created_at: rec.created_at,
      last_used_at: u.last_used ? new Date(u.last_used).toISOString() : null,
      expires_at: rec.expires_at,
      status: rec.revoked_at ? "revoked" : now >= Date.parse(rec.expires_at) ? "expired" : "active",
      revoked_at: rec.revoked_at ?? null,
      views: u.views ?? 0,
      downloads: u.downloads ?? 0,
      api_calls: u.api ?? 0,
    });
  }
  return out.sort((
    a,
    b,
  ) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/** What a request under a link is, for its counters. */
export type LinkUse = "view" | "download" | "api" | "other";

/**
 * The counter mutations for one admitted request under a link, to ride on the rate limit's
 * atomic write: +1 on the use's counter and `last_used` raised to now. Sum and max are
 * commutative, so requests decided together (or retried after a lost race) add up exactly.
 */
export function linkUsageTally(
  link: { org: string; customerRef: string; tokenHash: string },
  use: LinkUse,
  now: Date,
): RateTally {
  const key = (c: UsageCounter) => keys.usage(link.org, link.customerRef, link.tokenHash, c);
  const counter: UsageCounter | null = use === "view"
    ? "views"
    : use === "download"
    ? "downloads"
    : use === "api"
    ? "api"
    : null;
  return {
    sum: counter ? [key(counter)] : [],
    max: [[key("last_used"), BigInt(now.getTime())]],
  };
}

/**
 * A link by its public id, if it is this customer's and still live (the email job's check
 * before it mails a sealed link).
 */
export async function liveLinkRecord(
  services: Services,
  org: string,
  ref: string,
  linkId: string,
): Promise<LinkRecord | null> {
  const hash = await hashForLinkId(services.kv, org, ref, linkId);
  if (!hash) return null;
  const rec = (await services.kv.get<LinkRecord>(keys.link(hash))).value;
  if (!rec || rec.org !== org || rec.customer_ref !== ref || rec.revoked_at) return null;
  return services.clock.now().getTime() < Date.parse(rec.expires_at) ? rec : null;
}

/**
 * Removes a link that never left the portal (an email attempt that the mail service
 * refused): no record, no index entry, no counters.
 */
export async function discardLink(kv: Deno.Kv, tokenHash: string): Promise<void> {
  const rec = (await kv.get<LinkRecord>(keys.link(tokenHash))).value;
  if (!rec) return;
  const op = kv.atomic().delete(keys.link(tokenHash))
    .delete(keys.byCustomer(rec.org, rec.customer_ref, tokenHash))
    .delete(keys.byId(rec.org, rec.link_id ?? linkIdOf(tokenHash)));
  for (const c of USAGE_COUNTERS) op.delete(keys.usage(rec.org, rec.customer_ref, tokenHash, c));
  await op.commit();
}

/**
 * Removes the usage counters of links whose record is gone (KV's `expireIn` removed it).
 * Counters are sums and maxima, which take no `expireIn`, so a daily sweep clears them.
 * Returns how many links' counters it removed.
 */
export async function sweepLinkUsage(kv: Deno.Kv): Promise<number> {
  let removed = 0;
  let batch: Deno.KvKey[][] = [];
  const flush = async () => {
    const records = await kv.getMany(batch.map((ks) => keys.link(String(ks[0][3]))));
    const op = kv.atomic();
    let n = 0;
    for (const [i, r] of records.entries()) {
      if (r.versionstamp !== null) continue;
      for (const k of batch[i]) op.delete(k);
      n++;
    }
    if (n) await op.commit();
    removed += n;
    batch = [];
  };
  let current: Deno.KvKey[] = [];
  let currentHash = "";
  for await (const e of kv.list({ prefix: keys.allUsage() })) {
    const hash = String(e.key[3]);
    if (hash !== currentHash && current.length) {
      batch.push(current);
      current = [];
      if (batch.length === 10) await flush();
    }
    currentHash = hash;
    current.push(e.key);
  }
  if (current.length) batch.push(current);
  if (batch.length) await flush();
  return removed;
}
