/**
 * Which sign-in the console offers, decided by a pure function of the configuration and the
 * request's peer: OIDC when configured; off in production without it; in development a
 * developer sign-in only for a request made on this machine.
 */
import { loadConfig } from "@/lib/config.ts";
import { peerInfo } from "@/lib/http/peer.ts";
import {
  admitDeveloper,
  consoleSignIn,
  DEVELOPER_EMAIL,
  isLoopbackAddress,
  isLoopbackHost,
  type PeerInfo,
} from "@/lib/staff/console_access.ts";
import { getStaffMember } from "@/lib/staff/members.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

const LOCAL: PeerInfo = { remoteAddr: "127.0.0.1", host: "localhost:8000", forwarded: false };
const OIDC = { OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "portal" };

Deno.test("console sign-in: OIDC when configured, in every environment and from anywhere", () => {
  for (const env of [{}, { DENO_ENV: "production" }, { DENO_DEPLOYMENT_ID: "abc" }]) {
    const config = loadConfig({ ...OIDC, ...env });
    assert.deepEqual(consoleSignIn(config, LOCAL), { mode: "oidc" });
    assert.deepEqual(
      consoleSignIn(config, { remoteAddr: "203.0.113.9", host: "portal.example", forwarded: true }),
      { mode: "oidc" },
    );
  }
});

Deno.test("console sign-in: without OIDC, off in production and on Deno Deploy, even locally", () => {
  for (const env of [{ DENO_ENV: "production" }, { DENO_DEPLOYMENT_ID: "abc" }]) {
    assert.deepEqual(consoleSignIn(loadConfig(env), LOCAL), {
      mode: "off",
      reason: "not_configured",
    });
  }
});

Deno.test("console sign-in: without OIDC in development, the developer sign-in for this machine only", () => {
  const dev = loadConfig({});
  const at = (p: Partial<PeerInfo>) => consoleSignIn(dev, { ...LOCAL, ...p });
  assert.deepEqual(at({}), { mode: "developer" });
  assert.deepEqual(at({ remoteAddr: "::1", host: "[::1]:8000" }), { mode: "developer" });
  assert.deepEqual(at({ remoteAddr: "::ffff:127.0.0.1", host: "127.0.0.1:8000" }), {
    mode: "developer",
  });
  const off = { mode: "off", reason: "not_local" } as const;
  assert.deepEqual(at({ remoteAddr: "192.168.1.20" }), off, "another machine on the LAN");
  assert.deepEqual(at({ remoteAddr: "10.0.0.2" }), off);
  assert.deepEqual(at({ remoteAddr: undefined }), off);
  assert.deepEqual(at({ forwarded: true }), off, "a tunnel or proxy on loopback");
  assert.deepEqual(at({ host: "evil.example" }), off, "DNS rebinding");
  assert.deepEqual(at({ host: "localhost.evil.example" }), off);
  assert.deepEqual(at({ host: null }), off);
});

Deno.test("console sign-in: loopback addresses and hosts", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) {
    assert.deepEqual(isLoopbackAddress(a), true, a);
  }
  for (
    const a of ["128.0.0.1", "127.0.0.256", "0.0.0.0", "::", "::ffff:10.0.0.1", "localhost", ""]
  ) {
    assert.deepEqual(isLoopbackAddress(a), false, a);
  }
  for (const h of ["localhost", "LOCALHOST:8000", "127.0.0.1:8000", "[::1]:8000", "[::1]"]) {
    assert.deepEqual(isLoopbackHost(h), true, h);
  }
  for (const h of ["portal.example", "127.0.0.1.nip.io", "[::2]:80", "localhost:8000@evil"]) {
    assert.deepEqual(isLoopbackHost(h), false, h);
  }
});

Deno.test("console sign-in: peerInfo reads a request's Host and proxy headers", () => {
  const req = (headers: Record<string, string>) =>
    new Request("http://localhost:8000/staff/signin", { headers });
  assert.deepEqual(peerInfo(req({}), "127.0.0.1"), {
    remoteAddr: "127.0.0.1",
    host: "localhost:8000",
    forwarded: false,
  });
  for (const h of ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"]) {
    assert.deepEqual(peerInfo(req({ [h]: "203.0.113.9" }), "127.0.0.1").forwarded, true, h);
  }
});

Deno.test("console sign-in: the developer member is only made when the decision allows it", async () => {
  using services = await makeTestServices();
  await assert.rejects(
    () =>
      admitDeveloper(services, { mode: "off", reason: "not_local" }, {
        org: "acme",
        role: "admin",
      }),
    /not available/,
  );
  await assert.rejects(
    () => admitDeveloper(services, { mode: "oidc" }, { org: "acme", role: "admin" }),
  );
  assert.deepEqual(await getStaffMember(services.kv, "acme", DEVELOPER_EMAIL), null);
  const r = await admitDeveloper(services, { mode: "developer" }, {
    org: "acme",
    role: "viewer",
  });
  assert.deepEqual([r.member.email, r.member.role, r.member.status], [
    DEVELOPER_EMAIL,
    "viewer",
    "active",
  ]);
});
