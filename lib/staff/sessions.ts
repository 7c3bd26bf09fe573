/**
 * Staff sessions in Deno KV. The session id lives only in the browser's cookie
 * (lib/http/oidc.ts); KV holds its SHA-256, so a KV dump opens no session.
 *
 * Keys:
 * - `["staff_session", sha256(id)]` the session;
 * - `["staff_session_by_member", org, email, sha256(id)]` → `{created_at}`, to end every
 *   session of a member who is removed.
 *
 * Lifetime (OWASP ASVS 3.3.2 / 7.3, NIST SP 800-63B AAL2): a session ends after
 * `STAFF_SESSION_IDLE_MINUTES` without a request (default 30) and `STAFF_SESSION_MAX_HOURS`
 * after sign-in whatever the activity (default 12). Signing in again through the company's
 * provider is one redirect while its own session lives, so short limits cost staff little.
 * Activity is written at most once a minute (`TOUCH_INTERVAL_MS`), not on every request.
 * `expireIn` removes ended records; reads still check the times, as that removal is eventual.
 *
 * Every session has its own CSRF token (synchronizer token, lib/http/csrf.ts), and a new id
 * at every sign-in: `createSession({replaces})` ends the browser's previous session in the
 * same atomic operation (no session fixation).
 */
import { base64url, isWellFormedSecret, newSecret } from "@/lib/access/secret.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { Config } from "@/lib/config.ts";
import type { Services } from "@/lib/services.ts";
import { auditInAtomic } from "./audit.ts";
import type { StaffRole } from "./roles.ts";

export const SESSION_PREFIX = "mps_";
/** Activity is recorded at most this often per session. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** The configured limits, `{idleMs, absoluteMs}`. */
export function sessionPolicy(
  config: Pick<Config, "STAFF_SESSION_IDLE_MINUTES" | "STAFF_SESSION_MAX_HOURS">,
): SessionPolicy {
  return {
    idleMs: config.STAFF_SESSION_IDLE_MINUTES * 60_000,
    absoluteMs: config.STAFF_SESSION_MAX_HOURS * 3_600_000,
  };
}

export interface StaffSession {
  org: string;
  email: string;
  name?: string;
  /** How the person signed in: their company's provider, or the local developer sign-in. */
  via: "oidc" | "developer";
  issuer: string;
  subject: string;
  /** The synchronizer token every state-changing request of this session must carry. */
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  absolute_expires_at: string;
  /** Where the session was opened from (shown to the member, kept in the audit log). */
  ip?: string;
  user_agent?: string;
}

export interface NewStaffSession {
  org: string;
  email: string;
  name?: string;
  via: StaffSession["via"];
  issuer: string;
  subject: string;
  /** The member's role now, for the audit entry only (the session never stores a role). */
  role: StaffRole;
  ip?: string;
  userAgent?: string;
}

const keys = {
  session: (hash: string): Deno.KvKey => ["staff_session", hash],
  byMember: (org: string, email: string, hash: string): Deno.KvKey => [
    "staff_session_by_member",
    org,
    email,
    hash,
  ],
  memberPrefix: (org: string, email: string): Deno.KvKey => [
    "staff_session_by_member",
    org,
    email,
  ],
};

/** Format and checksum only: `false` means reject without any KV read. */
export function isWellFormedSessionId(id: unknown): id is string {
  return isWellFormedSecret(SESSION_PREFIX, id);
}

function ttl(session: StaffSession, now: Date): number {
  const end = Math.min(
    Date.parse(session.idle_expires_at),
    Date.parse(session.absolute_expires_at),
  );
  // KV wants a positive expireIn; a minute of slack keeps the record readable as "expired".
  return Math.max(1, end - now.getTime()) + 60_000;
}

/**
 * Opens a session for a member who was just admitted; with `replaces` (the id from the
 * browser's old cookie, if any) that session ends in the same atomic operation. Records
 * `session.sign_in` in the audit log. Returns the new id (for the cookie, never stored).
 *
 * @example
 * const { sessionId } = await createSession(services, { org, email, role, via: "oidc", … },
 *   { replaces: oldCookie });
 */
export async function createSession(
  services: Services,
  input: NewStaffSession,
  opts: { replaces?: string } = {},
): Promise<{ sessionId: string; session: StaffSession }> {
  const { kv, clock, config } = services;
  const policy = sessionPolicy(config);
  const now = clock.now();
  const sessionId = newSecret(SESSION_PREFIX);
  const hash = await sha256Hex(sessionId);
  const absolute = now.getTime() + policy.absoluteMs;
  const session: StaffSession = {
    org: input.org,
    email: input.email,
    ...(input.name ? { name: input.name.slice(0, 200) } : {}),
    via: input.via,
    issuer: input.issuer,
    subject: input.subject,
    csrf_token: base64url(crypto.getRandomValues(new Uint8Array(32))),
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    idle_expires_at: new Date(Math.min(now.getTime() + policy.idleMs, absolute)).toISOString(),
    absolute_expires_at: new Date(absolute).toISOString(),
    ...(input.ip ? { ip: input.ip.slice(0, 64) } : {}),
    ...(input.userAgent ? { user_agent: input.userAgent.slice(0, 300) } : {}),
  };
  const expireIn = ttl(session, now);
  const op = kv.atomic()
    .check({ key: keys.session(hash), versionstamp: null })
    .set(keys.session(hash), session, { expireIn })
    .set(keys.byMember(session.org, session.email, hash), { created_at: session.created_at }, {
      expireIn,
    });
  let rotated = false;
  if (opts.replaces && isWellFormedSessionId(opts.replaces)) {
    const oldHash = await sha256Hex(opts.replaces);
    const old = await kv.get<StaffSession>(keys.session(oldHash));
    if (old.value) {
      op.delete(old.key).delete(keys.byMember(old.value.org, old.value.email, oldHash));
      rotated = true;
    }
  }
  auditInAtomic(services, op, session.org, {
    email: session.email,
    role: input.role,
    via: session.via,
    ip: input.ip,
    userAgent: input.userAgent,
  }, {
    action: "session.sign_in",
    target: { type: "session", id: hash.slice(0, 12) },
    detail: { replaced_previous: rotated },
  });
  const res = await op.commit();
  // 256 random bits do not collide; a failed check means something is badly wrong.
  if (!res.ok) throw new Error("Could not store the staff session.");
  return { sessionId, session };
}

export type SessionLookup =
  | { ok: true; session: StaffSession; sessionHash: string }
  | { ok: false; reason: "malformed" | "unknown" | "idle" | "expired" };

/**
 * The live session for an id, or why there is none. Ends a session found past its idle or
 * absolute limit; records activity (at most once a minute) on a live one.
 *
 * @example
 * const s = await getSession(services, cookieValue);
 * if (!s.ok) return redirectToSignIn();
 */
export async function getSession(services: Services, sessionId: string): Promise<SessionLookup> {
  if (!isWellFormedSessionId(sessionId)) return { ok: false, reason: "malformed" };
  const { kv, clock, config } = services;
  const hash = await sha256Hex(sessionId);
  const entry = await kv.get<StaffSession>(keys.session(hash));
  const session = entry.value;
  if (!session) return { ok: false, reason: "unknown" };
  const now = clock.now();
  const t = now.getTime();
  const absolute = Date.parse(session.absolute_expires_at);
  const expired = t >= absolute;
  if (expired || t >= Date.parse(session.idle_expires_at)) {
    await kv.atomic().check(entry).delete(entry.key)
      .delete(keys.byMember(session.org, session.email, hash)).commit();
    return { ok: false, reason: expired ? "expired" : "idle" };
  }
  if (t - Date.parse(session.last_seen_at) >= TOUCH_INTERVAL_MS) {
    const idleMs = sessionPolicy(config).idleMs;
    const touched: StaffSession = {
      ...session,
      last_seen_at: now.toISOString(),
      idle_expires_at: new Date(Math.min(t + idleMs, absolute)).toISOString(),
    };
    const expireIn = ttl(touched, now);
    // Guarded by the versionstamp just read: a sign-out that lands in between wins.
    await kv.atomic().check(entry)
      .set(entry.key, touched, { expireIn })
      .set(keys.byMember(session.org, session.email, hash), { created_at: session.created_at }, {
        expireIn,
      })
      .commit();
    return { ok: true, session: touched, sessionHash: hash };
  }
  return { ok: true, session, sessionHash: hash };
}

/**
 * Ends one session (sign-out). With `audit`, records `session.sign_out` for its member.
 * Returns false when there was no such session.
 */
export async function endSession(
  services: Services,
  sessionId: string,
  opts: { audit?: { role?: StaffRole; ip?: string; userAgent?: string } } = {},
): Promise<boolean> {
  if (!isWellFormedSessionId(sessionId)) return false;
  const { kv } = services;
  const hash = await sha256Hex(sessionId);
  const entry = await kv.get<StaffSession>(keys.session(hash));
  const session = entry.value;
  if (!session) return false;
  const op = kv.atomic().check(entry).delete(entry.key)
    .delete(keys.byMember(session.org, session.email, hash));
  if (opts.audit) {
    auditInAtomic(services, op, session.org, {
      email: session.email,
      role: opts.audit.role,
      via: session.via,
      ip: opts.audit.ip,
      userAgent: opts.audit.userAgent,
    }, { action: "session.sign_out", target: { type: "session", id: hash.slice(0, 12) } });
  }
  return (await op.commit()).ok;
}

/**
 * Ends every session of one member (removed from the org). The caller audits the removal.
 * Returns how many sessions ended.
 */
export async function endMemberSessions(
  kv: Deno.Kv,
  org: string,
  email: string,
): Promise<number> {
  let count = 0;
  const hashes: string[] = [];
  for await (const e of kv.list({ prefix: keys.memberPrefix(org, email) })) {
    hashes.push(String(e.key[3]));
  }
  // Well under KV's 1,000 mutations per operation: a member has a handful of sessions.
  for (let i = 0; i < hashes.length; i += 100) {
    const op = kv.atomic();
    for (const h of hashes.slice(i, i + 100)) {
      op.delete(keys.session(h)).delete(keys.byMember(org, email, h));
      count++;
    }
    await op.commit();
  }
  return count;
}
