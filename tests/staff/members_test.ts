/**
 * Staff members and roles on real KV: the role → permission table, invitations and role
 * changes (audited), who may manage staff (an admin of that org only), allowed domains.
 */
import { InvalidInputError } from "@/lib/errors.ts";
import { problemOf } from "@/lib/http/errors.ts";
import type { Services } from "@/lib/services.ts";
import { AUDIT_RETENTION_MS, listAudit } from "@/lib/staff/audit.ts";
import {
  addStaffMember,
  admitIdentity,
  getAllowedDomain,
  listStaffMembers,
  removeStaffMember,
  SelfChangeError,
  setAllowedDomain,
  StaffPermissionError,
} from "@/lib/staff/members.ts";
import {
  can,
  MissingPermissionError,
  PERMISSIONS,
  requirePermission,
  ROLE_PERMISSIONS,
  type StaffActor,
} from "@/lib/staff/roles.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

async function withServices(fn: (s: Services) => Promise<void>) {
  using services = await makeTestServices();
  await fn(services);
}

const actor = (
  role: StaffActor["role"],
  org = "acme",
  email = `${role}@acme.example`,
): StaffActor => ({
  org,
  email,
  role,
  via: "oidc",
  ip: "203.0.113.7",
});

Deno.test("roles: admin ⊇ support ⊇ viewer; viewer is read-only", () => {
  assert.deepEqual(ROLE_PERMISSIONS.viewer, ["console.view"]);
  for (const p of ROLE_PERMISSIONS.viewer) assert(can("support", p));
  for (const p of ROLE_PERMISSIONS.support) assert(can("admin", p));
  assert.deepEqual(PERMISSIONS.filter((p) => can("admin", p)), [...PERMISSIONS]);
  assert.deepEqual(PERMISSIONS.filter((p) => can("support", p)), [
    "console.view",
    "tickets.work",
    "links.manage",
    "emails.resend",
  ]);
  for (const p of ["staff.manage", "api_keys.manage", "audit.view"] as const) {
    assert.deepEqual(can("support", p), false, p);
  }
  requirePermission(actor("support"), "tickets.work");
  let thrown: unknown;
  try {
    requirePermission(actor("viewer"), "tickets.work");
  } catch (err) {
    thrown = err;
  }
  assert(thrown instanceof MissingPermissionError && thrown.permission === "tickets.work");
  assert.deepEqual(problemOf(thrown)?.status, 403);
});

Deno.test("members: invite, change role, remove: each audited with who and from where", async () => {
  await withServices(async (services) => {
    const admin = actor("admin");
    const a = await addStaffMember(services, admin, {
      org: "acme",
      email: " Ops@ACME.example",
      role: "support",
    });
    assert.deepEqual([a.created, a.member.email, a.member.status], [
      true,
      "ops@acme.example",
      "invited",
    ]);
    assert.deepEqual(a.member.invited_by, "admin@acme.example");
    const b = await addStaffMember(services, admin, {
      org: "acme",
      email: "ops@acme.example",
      role: "viewer",
    });
    assert.deepEqual([b.created, b.member.role], [false, "viewer"]);
    // The same role again changes nothing and logs nothing.
    await addStaffMember(services, admin, {
      org: "acme",
      email: "ops@acme.example",
      role: "viewer",
    });
    assert.deepEqual((await listStaffMembers(services.kv, "acme")).map((m) => m.email), [
      "ops@acme.example",
    ]);
    assert(await removeStaffMember(services, admin, "acme", "OPS@acme.example"));
    assert.deepEqual(await removeStaffMember(services, admin, "acme", "ops@acme.example"), false);

    const entries = (await listAudit(services.kv, "acme")).entries.reverse();
    assert.deepEqual(entries.map((e) => [e.action, e.target?.id, e.detail]), [
      ["staff.add", "ops@acme.example", { role: "support" }],
      ["staff.update", "ops@acme.example", { role: "viewer", previous_role: "support" }],
      ["staff.remove", "ops@acme.example", { role: "viewer" }],
    ]);
    assert(entries.every((e) => e.actor.email === "admin@acme.example" && e.ip === "203.0.113.7"));
    assert.deepEqual(AUDIT_RETENTION_MS, 400 * 24 * 3_600_000);
  });
});

Deno.test("members: only an admin of the same org manages staff; nobody locks themselves out", async () => {
  await withServices(async (services) => {
    const input = { org: "acme", email: "new@acme.example", role: "admin" as const };
    for (const who of [actor("support"), actor("viewer"), actor("admin", "globex")]) {
      await assert.rejects(() => addStaffMember(services, who, input));
      await assert.rejects(
        () => setAllowedDomain(services, who, "acme", "acme.example"),
        StaffPermissionError,
      );
    }
    const admin = actor("admin");
    await addStaffMember(services, { via: "cli" }, {
      org: "acme",
      email: admin.email,
      role: "admin",
    });
    await assert.rejects(
      () => addStaffMember(services, admin, { org: "acme", email: admin.email, role: "viewer" }),
      SelfChangeError,
    );
    await assert.rejects(
      () => removeStaffMember(services, admin, "acme", admin.email),
      SelfChangeError,
    );
    await assert.rejects(
      () => addStaffMember(services, admin, { ...input, email: "not an email" }),
      InvalidInputError,
    );
  });
});

Deno.test("members: an allowed domain admits its verified addresses with its role, until cleared", async () => {
  await withServices(async (services) => {
    const id = { issuer: "https://idp.example", email_verified: true };
    await setAllowedDomain(services, { via: "cli" }, "acme", "ACME.example", "support");
    assert.deepEqual((await getAllowedDomain(services.kv, "acme"))?.domain, "acme.example");
    const r = await admitIdentity(services, { ...id, subject: "s1", email: "kim@acme.example" });
    assert(r.ok);
    assert.deepEqual([r.member.role, r.member.via, r.member.invited_by], [
      "support",
      "domain",
      "domain:acme.example",
    ]);
    // Subdomains and look-alikes are other domains.
    for (const email of ["x@sub.acme.example", "x@acme.example.evil", "x@notacme.example"]) {
      assert.deepEqual(await admitIdentity(services, { ...id, subject: email, email }), {
        ok: false,
        reason: "not_invited",
      }, email);
    }
    await setAllowedDomain(services, { via: "cli" }, "acme", null);
    assert.deepEqual(await getAllowedDomain(services.kv, "acme"), null);
    assert.deepEqual(
      (await admitIdentity(services, { ...id, subject: "s2", email: "lee@acme.example" })).ok,
      false,
    );
    // Who already joined stays a member.
    assert((await admitIdentity(services, { ...id, subject: "s1", email: "kim@acme.example" })).ok);
    await assert.rejects(
      () => setAllowedDomain(services, { via: "cli" }, "acme", "not a domain"),
      InvalidInputError,
    );
  });
});
