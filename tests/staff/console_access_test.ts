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
import { assertEquals, assertRejects } from "@/tests/helpers/assert.ts";
import { TestClock } from "@/tests/helpers/server.ts";

const LOCAL: PeerInfo = { remoteAddr: "127.0.0.1", host: "localhost:8000", forwarded: false };
const OIDC = { OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "portal" };

Deno.test("console sign-in: OIDC when configured, in every environment and from anywhere", () => {
  for (const env of [{}, { DENO_ENV: "production" }, { DENO_DEPLOYMENT_ID: "abc" }]) {
    const config = loadConfig({ ...OIDC, ...env });
    assertEquals(consoleSignIn(config, LOCAL), { mode: "oidc" });
    assertEquals(
      consoleSignIn(config, { remoteAddr: "203.0.113.9", host: "portal.example", forwarded: true }),
      { mode: "oidc" },
    );
  }
});

Deno.test("console sign-in: without OIDC, off in production and on Deno Deploy, even locally", () => {
  for (const env of [{ DENO_ENV: "production" }, { DENO_DEPLOYMENT_ID: "abc" }]) {
    assertEquals(consoleSignIn(loadConfig(env), LOCAL), { mode: "off", reason: "not_configured" });
  }
});

Deno.test("console sign-in: without OIDC in development, the developer sign-in for this machine only", () => {
  const dev = loadConfig({});
  const at = (p: Partial<PeerInfo>) => consoleSignIn(dev, { ...LOCAL, ...p });
  assertEquals(at({}), { mode: "developer" });
  assertEquals(at({ remoteAddr: "::1", host: "[::1]:8000" }), { mode: "developer" });
  assertEquals(at({ remoteAddr: "::ffff:127.0.0.1", host: "127.0.0.1:8000" }), {
    mode: "developer",
  });
  const off = { mode: "off", reason: "not_local" } as const;
  assertEquals(at({ remoteAddr: "192.168.1.20" }), off, "another machine on the LAN");
  assertEquals(at({ remoteAddr: "10.0.0.2" }), off);
  assertEquals(at({ remoteAddr: undefined }), off);
  assertEquals(at({ forwarded: true }), off, "a tunnel or proxy on loopback");
  assertEquals(at({ host: "evil.example" }), off, "DNS rebinding");
  assertEquals(at({ host: "localhost.evil.example" }), off);
  assertEquals(at({ host: null }), off);
});

Deno.test("console sign-in: loopback addresses and hosts", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) {
    assertEquals(isLoopbackAddress(a), true, a);
  }
  for (
    const a of ["128.0.0.1", "127.0.0.256", "0.0.0.0", "::", "::ffff:10.0.0.1", "localhost", ""]
  ) {
    assertEquals(isLoopbackAddress(a), false, a);
  }
  for (const h of ["localhost", "LOCALHOST:8000", "127.0.0.1:8000", "[::1]:8000", "[::1]"]) {
    assertEquals(isLoopbackHost(h), true, h);
  }
  for (const h of ["portal.example", "127.0.0.1.nip.io", "[::2]:80", "localhost:8000@evil"]) {
    assertEquals(isLoopbackHost(h), false, h);
  }
});

Deno.test("console sign-in: peerInfo reads a request's Host and proxy headers", () => {
  const req = (headers: Record<string, string>) =>
    new Request("http://localhost:8000/staff/signin", { headers });
  assertEquals(peerInfo(req({}), "127.0.0.1"), {
    remoteAddr: "127.0.0.1",
    host: "localhost:8000",
    forwarded: false,
  });
  for (const h of ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"]) {
    assertEquals(peerInfo(req({ [h]: "203.0.113.9" }), "127.0.0.1").forwarded, true, h);
  }
});

Deno.test("console sign-in: the developer member is only made when the decision allows it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const services = { kv, config: loadConfig({}), clock: new TestClock() };
    await assertRejects(
      () =>
        admitDeveloper(services, { mode: "off", reason: "not_local" }, {
          org: "acme",
          role: "admin",
        }),
      "not available",
    );
    await assertRejects(
      () => admitDeveloper(services, { mode: "oidc" }, { org: "acme", role: "admin" }),
    );
    assertEquals(await getStaffMember(kv, "acme", DEVELOPER_EMAIL), null);
    const r = await admitDeveloper(services, { mode: "developer" }, {
      org: "acme",
      role: "viewer",
    });
    assertEquals([r.member.email, r.member.role, r.member.status], [
      DEVELOPER_EMAIL,
      "viewer",
      "active",
    ]);
  } finally {
    kv.close();
  }
});
