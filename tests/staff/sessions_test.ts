/**
 * Staff sessions on real KV with a fake clock: idle and absolute expiry, activity written at
 * most once a minute, rotation, sign-out, removal of a member ending their sessions, and
 * ids stored only hashed.
 */
import { loadConfig } from "@/lib/config.ts";
import { currentStaff } from "@/lib/http/oidc.ts";
import type { Services } from "@/lib/services.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { addStaffMember, removeStaffMember } from "@/lib/staff/members.ts";
import {
  createSession,
  endSession,
  getSession,
  type NewStaffSession,
  sessionPolicy,
} from "@/lib/staff/sessions.ts";
import assert from "node:assert/strict";
import { makeTestServices, type TestClock } from "@/tests/helpers/services.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

async function withServices(
  fn: (s: Services, clock: TestClock) => Promise<void>,
  env: Record<string, string> = {},
) {
  using services = await makeTestServices({ env });
  await fn(services, services.clock);
}

const JANE: NewStaffSession = {
  org: "acme",
  email: "jane@acme.example",
  via: "oidc",
  issuer: "https://idp.example",
  subject: "jane-sub",
  role: "support",
  ip: "203.0.113.7",
};

Deno.test("sessions: defaults follow ASVS level 2 (30 min idle, 12 h absolute), configurable", () => {
  assert.deepEqual(sessionPolicy(loadConfig({})), { idleMs: 30 * MIN, absoluteMs: 12 * HOUR });
  assert.deepEqual(
    sessionPolicy(
      loadConfig({ STAFF_SESSION_IDLE_MINUTES: "480", STAFF_SESSION_MAX_HOURS: "168" }),
    ),
    { idleMs: 8 * HOUR, absoluteMs: 168 * HOUR },
  );
});

Deno.test("sessions: idle expiry ends a session nobody used for 30 minutes", async () => {
  await withServices(async (services, clock) => {
    const { sessionId } = await createSession(services, JANE);
    clock.advance(29 * MIN);
    assert((await getSession(services, sessionId)).ok, "still alive after 29 min");
    // That request counted as activity: another 29 minutes are fine.
    clock.advance(29 * MIN);
    assert((await getSession(services, sessionId)).ok);
    clock.advance(30 * MIN);
    assert.deepEqual(await getSession(services, sessionId), { ok: false, reason: "idle" });
    // Ended for good, not only refused once.
    clock.set("2026-01-16T12:00:00Z");
    assert.deepEqual(await getSession(services, sessionId), { ok: false, reason: "unknown" });
  });
});

Deno.test("sessions: absolute expiry ends even a busy session after 12 hours", async () => {
  await withServices(async (services, clock) => {
    const { sessionId, session } = await createSession(services, JANE);
    assert.deepEqual(session.absolute_expires_at, "2026-01-17T00:00:00.000Z");
    for (let i = 0; i < 35; i++) {
      clock.advance(20 * MIN);
      assert((await getSession(services, sessionId)).ok, `alive at ${clock.now().toISOString()}`);
    }
    // 11 h 40 min in; the idle limit never moves past the absolute one.
    const s = await getSession(services, sessionId);
    assert(s.ok);
    assert.deepEqual(s.session.idle_expires_at, "2026-01-17T00:00:00.000Z");
    clock.advance(20 * MIN);
    assert.deepEqual(await getSession(services, sessionId), { ok: false, reason: "expired" });
  });
});

Deno.test("sessions: activity is written at most once a minute", async () => {
  await withServices(async (services, clock) => {
    const { sessionId } = await createSession(services, JANE);
    const stamp = async () => {
      const s = await getSession(services, sessionId);
      assert(s.ok);
      return s.session.last_seen_at;
    };
    clock.advance(30_000);
    assert.deepEqual(await stamp(), "2026-01-16T12:00:00.000Z", "no write within the minute");
    clock.advance(30_000);
    assert.deepEqual(await stamp(), "2026-01-16T12:01:00.000Z");
  });
});

Deno.test("sessions: ids are stored only hashed; malformed ids cost no read", async () => {
  await withServices(async (services) => {
    const { sessionId } = await createSession(services, JANE);
    const all: unknown[] = [];
    for await (const e of services.kv.list({ prefix: [] })) all.push([e.key, e.value]);
    assert(!JSON.stringify(all).includes(sessionId));
    assert.deepEqual(await getSession(services, "mps_nope"), { ok: false, reason: "malformed" });
    // One character changed: the checksum refuses it before KV.
    const typo = sessionId.slice(0, 10) + (sessionId[10] === "a" ? "b" : "a") + sessionId.slice(11);
    assert.deepEqual((await getSession(services, typo)).ok, false);
  });
});

Deno.test("sessions: rotation at sign-in ends the browser's previous session", async () => {
  await withServices(async (services) => {
    const old = await createSession(services, JANE);
    const fresh = await createSession(services, JANE, { replaces: old.sessionId });
    assert.deepEqual(await getSession(services, old.sessionId), { ok: false, reason: "unknown" });
    assert((await getSession(services, fresh.sessionId)).ok);
    // A garbage or foreign "previous" cookie is ignored, not an error.
    assert((await createSession(services, JANE, { replaces: "garbage" })).sessionId);
  });
});

Deno.test("sessions: sign-out ends the session and is audited; removing a member ends theirs", async () => {
  await withServices(async (services) => {
    await addStaffMember(services, { via: "cli" }, {
      org: "acme",
      email: JANE.email,
      role: "support",
    });
    const a = await createSession(services, JANE);
    const b = await createSession(services, JANE);
    assert(
      await endSession(services, a.sessionId, { audit: { role: "support", ip: "198.51.100.2" } }),
    );
    assert.deepEqual(await endSession(services, a.sessionId), false, "already ended");
    const entries = (await listAudit(services.kv, "acme")).entries;
    assert.deepEqual(entries[0].action, "session.sign_out");
    assert.deepEqual(entries[0].ip, "198.51.100.2");

    const req = new Request("https://portal.example/staff", {
      headers: { cookie: `__Host-mp_staff=${b.sessionId}` },
    });
    assert.deepEqual((await currentStaff(services, req))?.actor.role, "support");
    assert(await removeStaffMember(services, { via: "cli" }, "acme", JANE.email));
    assert.deepEqual(await getSession(services, b.sessionId), { ok: false, reason: "unknown" });
    assert.deepEqual(await currentStaff(services, req), null);
  });
});

Deno.test("sessions: a demotion applies to a live session at its next request", async () => {
  await withServices(async (services) => {
    await addStaffMember(services, { via: "cli" }, {
      org: "acme",
      email: JANE.email,
      role: "admin",
    });
    const { sessionId } = await createSession(services, { ...JANE, role: "admin" });
    const req = new Request("https://portal.example/staff", {
      headers: { cookie: `__Host-mp_staff=${sessionId}` },
    });
    assert.deepEqual((await currentStaff(services, req))?.actor.role, "admin");
    await addStaffMember(services, { via: "cli" }, {
      org: "acme",
      email: JANE.email,
      role: "viewer",
    });
    assert.deepEqual((await currentStaff(services, req))?.actor.role, "viewer");
  });
});
