/**
 * Staff members per org, and which identities may enter the console.
 *
 * Keys:
 * - `["staff_member", org, email]` the member (email lower-cased);
 * - `["staff_member_by_email", email, org]` the same record, so sign-in finds an identity's
 *   orgs with one range read;
 * - `["staff_domain", org]` the org's allowed email domain, if any, and the role it grants;
 * - `["staff_domain_by_name", domain, org]` the same record, looked up at sign-in.
 *
 * An identity enters when its provider says its email address is verified and either an
 * admin invited that address (`staff add`, or the console) or the org allows its domain.
 * At the first sign-in the member is bound to the provider's `iss` + `sub`; a later
 * sign-in with the same address but another subject is refused (an address reassigned at
 * the provider, or a second provider that vouches for it): an admin removes and re-invites.
 */
import { z } from "zod";
import { ConflictError, ForbiddenError, parseInput } from "@/lib/errors.ts";
import type { Services } from "@/lib/services.ts";
import { auditInAtomic, type NewAuditEntry } from "./audit.ts";
import { type ActorVia, can, type StaffActor, type StaffRole } from "./roles.ts";
import { endMemberSessions, type StaffSession } from "./sessions.ts";

export interface StaffMember {
  org: string;
  /** Lower-cased; the key. */
  email: string;
  role: StaffRole;
  /** `invited` until the first sign-in. */
  status: "invited" | "active";
  /** How the member came in: an invitation, or the org's allowed domain. */
  via: "invitation" | "domain";
  /** Who invited them (`cli` for the operator CLI). */
  invited_by: string;
  invited_at: string;
  name?: string;
  /** The provider identity the member is bound to at the first sign-in. */
  issuer?: string;
  subject?: string;
  joined_at?: string;
  last_sign_in_at?: string;
}

export interface AllowedDomain {
  org: string;
  domain: string;
  /** The role a member joining through the domain gets. */
  role: StaffRole;
  set_by: string;
  set_at: string;
}

export const StaffEmail = z.string().trim().toLowerCase().max(254)
  .pipe(z.email("A valid email address."));
export const EmailDomain = z.string().trim().toLowerCase().regex(
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  "A domain such as acme.example.",
);

const keys = {
  member: (org: string, email: string): Deno.KvKey => ["staff_member", org, email],
  orgMembers: (org: string): Deno.KvKey => ["staff_member", org],
  byEmail: (email: string, org: string): Deno.KvKey => ["staff_member_by_email", email, org],
  emailPrefix: (email: string): Deno.KvKey => ["staff_member_by_email", email],
  domain: (org: string): Deno.KvKey => ["staff_domain", org],
  byDomain: (domain: string, org: string): Deno.KvKey => ["staff_domain_by_name", domain, org],
  domainPrefix: (domain: string): Deno.KvKey => ["staff_domain_by_name", domain],
};

/** Who did a change: a console actor, or the CLI. */
export type ChangedBy = StaffActor | { via: "cli" };

function changedByLabel(by: ChangedBy): string {
  return "email" in by ? by.email : "cli";
}

function requireStaffManager(by: ChangedBy, org: string) {
  if ("email" in by) {
    if (by.org !== org || !can(by.role, "staff.manage")) {
      throw new StaffPermissionError("Managing staff needs the admin role in this org.");
    }
  }
}

/** Managing staff needs the admin role in the org concerned (a 403). */
export class StaffPermissionError extends ForbiddenError {}
/** An admin may not remove or demote themselves (an org must not lock itself out): a 403. */
export class SelfChangeError extends ForbiddenError {}
/** A concurrent change won (a 409); the same request may succeed if sent again. */
export class StaffConflictError extends ConflictError {}

/** The address, normalised; InvalidInputError naming `email` when it is not one. */
function parseEmail(email: string): string {
  return parseInput(z.object({ email: StaffEmail }), { email }).email;
}

function audit(
  services: Services,
  op: Deno.AtomicOperation,
  org: string,
  by: ChangedBy,
  e: NewAuditEntry,
) {
  auditInAtomic(services, op, org, by as Partial<StaffActor> & { via: ActorVia }, e);
}

/** One member of an org, or null. `await getStaffMember(kv, "acme", "ops@acme.example")` */
export async function getStaffMember(
  kv: Deno.Kv,
  org: string,
  email: string,
): Promise<StaffMember | null> {
  return (await kv.get<StaffMember>(keys.member(org, email.trim().toLowerCase()))).value;
}

/** An org's members, by email (at most 1,000). */
export async function listStaffMembers(kv: Deno.Kv, org: string): Promise<StaffMember[]> {
  const out: StaffMember[] = [];
  for await (const e of kv.list<StaffMember>({ prefix: keys.orgMembers(org) }, { limit: 1000 })) {
    out.push(e.value);
  }
  return out;
}

/**
 * Invites an address to an org with a role, or changes the role of an existing member
 * (`created: false`). The caller has checked that the org exists. Audited.
 *
 * @example
 * await addStaffMember(services, { via: "cli" }, { org: "acme", email: "ops@acme.example",
 *   role: "admin" });
 */
export async function addStaffMember(
  services: Services,
  by: ChangedBy,
  input: { org: string; email: string; role: StaffRole },
): Promise<{ member: StaffMember; created: boolean }> {
  requireStaffManager(by, input.org);
  const email = parseEmail(input.email);
  if ("email" in by && by.email === email && input.role !== "admin") {
    throw new SelfChangeError("You cannot lower your own role.");
  }
  const { kv, clock } = services;
  for (let attempt = 0; attempt < 10; attempt++) {
    const entry = await kv.get<StaffMember>(keys.member(input.org, email));
    const now = clock.now().toISOString();
    const member: StaffMember = entry.value ? { ...entry.value, role: input.role } : {
      org: input.org,
      email,
      role: input.role,
      status: "invited",
      via: "invitation",
      invited_by: changedByLabel(by),
      invited_at: now,
    };
    if (entry.value && entry.value.role === input.role) return { member, created: false };
    const op = kv.atomic().check(entry)
      .set(keys.member(input.org, email), member)
      .set(keys.byEmail(email, input.org), member);
    audit(services, op, input.org, by, {
      action: entry.value ? "staff.update" : "staff.add",
      target: { type: "staff", id: email },
      detail: { role: input.role, ...(entry.value ? { previous_role: entry.value.role } : {}) },
    });
    if ((await op.commit()).ok) return { member, created: !entry.value };
  }
  throw new StaffConflictError("The member changed while saving; try again.");
}

/** Removes a member and ends their sessions at once. Audited. False if there was none. */
export async function removeStaffMember(
  services: Services,
  by: ChangedBy,
  org: string,
  emailInput: string,
): Promise<boolean> {
  requireStaffManager(by, org);
  const email = parseEmail(emailInput);
  if ("email" in by && by.email === email) throw new SelfChangeError("You cannot remove yourself.");
  const { kv } = services;
  const entry = await kv.get<StaffMember>(keys.member(org, email));
  if (!entry.value) return false;
  const op = kv.atomic().check(entry)
    .delete(keys.member(org, email))
    .delete(keys.byEmail(email, org));
  audit(services, op, org, by, {
    action: "staff.remove",
    target: { type: "staff", id: email },
    detail: { role: entry.value.role },
  });
  if (!(await op.commit()).ok) throw new StaffConflictError("The member changed; try again.");
  await endMemberSessions(kv, org, email);
  return true;
}

/** The org's allowed domain, or null. */
export async function getAllowedDomain(kv: Deno.Kv, org: string): Promise<AllowedDomain | null> {
  return (await kv.get<AllowedDomain>(keys.domain(org))).value;
}

/**
 * Lets every verified address of `domain` join the org with `role` (default viewer), or,
 * with `domain: null`, stops that; members who joined through it stay until removed. Audited.
 */
export async function setAllowedDomain(
  services: Services,
  by: ChangedBy,
  org: string,
  domainInput: string | null,
  role: StaffRole = "viewer",
): Promise<AllowedDomain | null> {
  requireStaffManager(by, org);
  const domain = domainInput === null
    ? null
    : parseInput(z.object({ domain: EmailDomain }), { domain: domainInput }).domain;
  const { kv, clock } = services;
  const current = await kv.get<AllowedDomain>(keys.domain(org));
  const op = kv.atomic().check(current);
  if (current.value) op.delete(keys.byDomain(current.value.domain, org));
  let record: AllowedDomain | null = null;
  if (domain) {
    record = { org, domain, role, set_by: changedByLabel(by), set_at: clock.now().toISOString() };
    op.set(keys.domain(org), record).set(keys.byDomain(domain, org), record);
  } else {
    op.delete(keys.domain(org));
  }
  audit(services, op, org, by, {
    action: "staff.domain",
    target: { type: "domain", id: domain ?? current.value?.domain ?? "-" },
    detail: { allowed: domain !== null, role: domain ? role : null },
  });
  if (!(await op.commit()).ok) throw new StaffConflictError("The domain changed; try again.");
  return record;
}

/** What the provider told us about the person signing in (lib/http/oidc.ts). */
export interface SignInIdentity {
  issuer: string;
  subject: string;
  email?: string;
  email_verified: boolean;
  name?: string;
}

export type AdmitRefusal = "email_unverified" | "not_invited" | "identity_mismatch";

export type AdmitResult =
  | {
    ok: true;
    member: StaffMember;
    /** Every org this identity may enter (for an org switcher). */
    orgs: string[];
  }
  | { ok: false; reason: AdmitRefusal };

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1);
}

/**
 * Decides whether a signed-in identity may enter the console, and as which member. With
 * several orgs open to it, `orgHint` (from the sign-in link) picks one, else the first
 * org the address was invited to, else the first whose domain it has. On success the
 * member is marked active and bound to the identity's issuer and subject.
 *
 * @example
 * const r = await admitIdentity(services, { issuer, subject, email, email_verified: true });
 * if (!r.ok) refuse(r.reason);
 */
export async function admitIdentity(
  services: Services,
  identity: SignInIdentity,
  opts: { orgHint?: string } = {},
): Promise<AdmitResult> {
  if (!identity.email_verified || !identity.email) return { ok: false, reason: "email_unverified" };
  const parsed = StaffEmail.safeParse(identity.email);
  if (!parsed.success) return { ok: false, reason: "email_unverified" };
  const email = parsed.data;
  const { kv, clock } = services;

  const invited: string[] = [];
  for await (const e of kv.list<StaffMember>({ prefix: keys.emailPrefix(email) })) {
    invited.push(e.value.org);
  }
  const byDomain = new Map<string, AllowedDomain>();
  for await (const e of kv.list<AllowedDomain>({ prefix: keys.domainPrefix(domainOf(email)) })) {
    byDomain.set(e.value.org, e.value);
  }
  const orgs = [...new Set([...invited, ...byDomain.keys()])].sort();
  if (orgs.length === 0) return { ok: false, reason: "not_invited" };
  const org = opts.orgHint && orgs.includes(opts.orgHint)
    ? opts.orgHint
    : invited.length
    ? [...invited].sort()[0]
    : [...byDomain.keys()].sort()[0];

  for (let attempt = 0; attempt < 10; attempt++) {
    const entry = await kv.get<StaffMember>(keys.member(org, email));
    const now = clock.now().toISOString();
    let member: StaffMember;
    if (entry.value) {
      const bound = entry.value.subject !== undefined;
      if (
        bound &&
        (entry.value.subject !== identity.subject || entry.value.issuer !== identity.issuer)
      ) {
        return { ok: false, reason: "identity_mismatch" };
      }
      member = {
        ...entry.value,
        status: "active",
        issuer: identity.issuer,
        subject: identity.subject,
        ...(identity.name ? { name: identity.name.slice(0, 200) } : {}),
        joined_at: entry.value.joined_at ?? now,
        last_sign_in_at: now,
      };
    } else {
      const domain = byDomain.get(org);
      if (!domain) return { ok: false, reason: "not_invited" }; // removed meanwhile
      member = {
        org,
        email,
        role: domain.role,
        status: "active",
        via: "domain",
        invited_by: `domain:${domain.domain}`,
        invited_at: now,
        ...(identity.name ? { name: identity.name.slice(0, 200) } : {}),
        issuer: identity.issuer,
        subject: identity.subject,
        joined_at: now,
        last_sign_in_at: now,
      };
    }
    const res = await kv.atomic().check(entry)
      .set(keys.member(org, email), member)
      .set(keys.byEmail(email, org), member)
      .commit();
    if (res.ok) return { ok: true, member, orgs };
  }
  throw new StaffConflictError("The member changed while signing in; try again.");
}

/**
 * The member the local developer sign-in uses (lib/staff/console_access.ts decides when it
 * may): created or updated with `role`, active and bound to the developer identity.
 */
export async function upsertDeveloperMember(
  services: Services,
  input: {
    org: string;
    role: StaffRole;
    email: string;
    issuer: string;
    subject: string;
    name: string;
  },
): Promise<StaffMember> {
  const { kv, clock } = services;
  const now = clock.now().toISOString();
  const entry = await kv.get<StaffMember>(keys.member(input.org, input.email));
  const member: StaffMember = {
    org: input.org,
    email: input.email,
    role: input.role,
    status: "active",
    via: "invitation",
    invited_by: "developer-sign-in",
    invited_at: entry.value?.invited_at ?? now,
    name: input.name,
    issuer: input.issuer,
    subject: input.subject,
    joined_at: entry.value?.joined_at ?? now,
    last_sign_in_at: now,
  };
  const res = await kv.atomic().check(entry)
    .set(keys.member(input.org, input.email), member)
    .set(keys.byEmail(input.email, input.org), member)
    .commit();
  if (!res.ok) throw new StaffConflictError("The developer member changed; try again.");
  return member;
}

/**
 * The actor for a live session: its member's current role, or null when the member was
 * removed meanwhile. `peer` is the request's client address and user agent.
 */
export async function staffActorFor(
  kv: Deno.Kv,
  session: StaffSession,
  peer: { ip?: string; userAgent?: string } = {},
): Promise<StaffActor | null> {
  const member = await getStaffMember(kv, session.org, session.email);
  if (!member) return null;
  // A re-invited address is a new member: a session of the old binding does not carry over.
  if (member.subject !== undefined && member.subject !== session.subject) return null;
  return {
    org: member.org,
    email: member.email,
    role: member.role,
    ...(member.name ? { name: member.name } : {}),
    via: session.via,
    ...(peer.ip ? { ip: peer.ip } : {}),
    ...(peer.userAgent ? { userAgent: peer.userAgent } : {}),
  };
}
