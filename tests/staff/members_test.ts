/**
 * Staff members and roles on real KV: the role → permission table, invitations and role
 * changes (audited), who may manage staff (an admin of that org only), allowed domains.
 */
import { loadConfig } from "@/lib/config.ts";
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
  ForbiddenError,
  PERMISSIONS,
  requirePermission,
  ROLE_PERMISSIONS,
  type StaffActor,
} from "@/lib/staff/roles.ts";
import { assert, assertEquals, assertRejects } from "@/tests/helpers/assert.ts";
import { TestClock } from "@/tests/helpers/server.ts";

async function withServices(fn: (s: Services) => Promise<void>) {
  const services: Services = {
    kv: await Deno.openKv(":memory:"),
    config: loadConfig({ DENO_ENV: "test" }),
    clock: new TestClock(),
  };
  try {
    await fn(services);
  } finally {
    services.kv.close();
  }
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
  assertEquals(ROLE_PERMISSIONS.viewer, ["console.view"]);
  for (const p of ROLE_PERMISSIONS.viewer) assert(can("support", p));
  for (const p of ROLE_PERMISSIONS.support) assert(can("admin", p));
  assertEquals(PERMISSIONS.filter((p) => can("admin", p)), [...PERMISSIONS]);
  assertEquals(PERMISSIONS.filter((p) => can("support", p)), [
    "console.view",
    "tickets.work",
    "links.manage",
    "emails.resend",
  ]);
  for (const p of ["staff.manage", "api_keys.manage", "audit.view"] as const) {
    assertEquals(can("support", p), false, p);
  }
  requirePermission(actor("support"), "tickets.work");
  let thrown: unknown;
  try {
    requirePermission(actor("viewer"), "tickets.work");
  } catch (err) {
    thrown = err;
  }
  assert(thrown instanceof ForbiddenError && thrown.permission === "tickets.work");
});

Deno.test("members: invite, change role, remove: each audited with who and from where", async () => {
  await withServices(async (services) => {
    const admin = actor("admin");
    const a = await addStaffMember(services, admin, {
      org: "acme",
      email: " Ops@ACME.example",
      role: "support",
    });
    assertEquals([a.created, a.member.email, a.member.status], [
      true,
      "ops@acme.example",
      "invited",
    ]);
    assertEquals(a.member.invited_by, "admin@acme.example");
    const b = await addStaffMember(services, admin, {
      org: "acme",
      email: "ops@acme.example",
      role: "viewer",
    });
    assertEquals([b.created, b.member.role], [false, "viewer"]);
    // The same role again changes nothing and logs nothing.
    await addStaffMember(services, admin, {
      org: "acme",
      email: "ops@acme.example",
      role: "viewer",
    });
    assertEquals((await listStaffMembers(services.kv, "acme")).map((m) => m.email), [
      "ops@acme.example",
    ]);
    assert(await removeStaffMember(services, admin, "acme", "OPS@acme.example"));
    assertEquals(await removeStaffMember(services, admin, "acme", "ops@acme.example"), false);

    const entries = (await listAudit(services.kv, "acme")).entries.reverse();
    assertEquals(entries.map((e) => [e.action, e.target?.id, e.detail]), [
      ["staff.add", "ops@acme.example", { role: "support" }],
      ["staff.update", "ops@acme.example", { role: "viewer", previous_role: "support" }],
      ["staff.remove", "ops@acme.example", { role: "viewer" }],
    ]);
    assert(entries.every((e) => e.actor.email === "admin@acme.example" && e.ip === "203.0.113.7"));
    assertEquals(AUDIT_RETENTION_MS, 400 * 24 * 3_600_000);
  });
});

Deno.test("members: only an admin of the same org manages staff; nobody locks themselves out", async () => {
  await withServices(async (services) => {
    const input = { org: "acme", email: "new@acme.example", role: "admin" as const };
    for (const who of [actor("support"), actor("viewer"), actor("admin", "globex")]) {
      await assertRejects(() => addStaffMember(services, who, input));
      const err = await assertRejects(() =>
        setAllowedDomain(services, who, "acme", "acme.example")
      );
      assert(err instanceof StaffPermissionError);
    }
    const admin = actor("admin");
    await addStaffMember(services, { via: "cli" }, {
      org: "acme",
      email: admin.email,
      role: "admin",
    });
    const self = await assertRejects(() =>
      addStaffMember(services, admin, { org: "acme", email: admin.email, role: "viewer" })
    );
    assert(self instanceof SelfChangeError);
    assert(
      await assertRejects(() => removeStaffMember(services, admin, "acme", admin.email)) instanceof
        SelfChangeError,
    );
    await assertRejects(() => addStaffMember(services, admin, { ...input, email: "not an email" }));
  });
});

Deno.test("members: an allowed domain admits its verified addresses with its role, until cleared", async () => {
  await withServices(async (services) => {
    const id = { issuer: "https://idp.example", email_verified: true };
    await setAllowedDomain(services, { via: "cli" }, "acme", "ACME.example", "support");
    assertEquals((await getAllowedDomain(services.kv, "acme"))?.domain, "acme.example");
    const r = await admitIdentity(services, { ...id, subject: "s1", email: "kim@acme.example" });
    assert(r.ok);
    assertEquals([r.member.role, r.member.via, r.member.invited_by], [
      "support",
      "domain",
      "domain:acme.example",
    ]);
    // Subdomains and look-alikes are other domains.
    for (const email of ["x@sub.acme.example", "x@acme.example.evil", "x@notacme.example"]) {
      assertEquals(await admitIdentity(services, { ...id, subject: email, email }), {
        ok: false,
        reason: "not_invited",
      }, email);
    }
    await setAllowedDomain(services, { via: "cli" }, "acme", null);
    assertEquals(await getAllowedDomain(services.kv, "acme"), null);
    assertEquals(
      (await admitIdentity(services, { ...id, subject: "s2", email: "lee@acme.example" })).ok,
      false,
    );
    // Who already joined stays a member.
    assert((await admitIdentity(services, { ...id, subject: "s1", email: "kim@acme.example" })).ok);
    await assertRejects(() => setAllowedDomain(services, { via: "cli" }, "acme", "not a domain"));
  });
});
