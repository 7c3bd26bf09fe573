/**
 * Staff sign-in against a real OpenID Connect provider (oauth2-mock-server, started here):
 * the whole authorization code + PKCE round trip driven with fetch, and every way a sign-in
 * must be refused: wrong state, replayed code, wrong nonce, expired ID token, an ID token
 * from another issuer or signed by another key, a missing or wrong PKCE verifier, an
 * unverified or uninvited address. Then sign-out and session rotation.
 */
import { Events } from "oauth2-mock-server";
import {
  createOidcHelpers,
  type OidcHelpers,
  oidcProviderFromConfig,
  SignInError,
  type SignInFailure,
} from "@/lib/http/oidc.ts";
import { problemOf } from "@/lib/http/errors.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { getStaffMember, setAllowedDomain } from "@/lib/staff/members.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import type { TestClock } from "@/tests/helpers/services.ts";
import {
  authorizeAtProvider,
  callback,
  CLIENT_ID,
  cookiePair,
  logLines,
  PORTAL,
  seedStaff,
  setCookies,
  signInRoundTrip,
  staffServices,
  startProvider,
  startSignIn,
  type TestProvider,
} from "@/tests/staff/provider_helpers.ts";

async function withProvider(
  fn: (p: TestProvider, services: Services, oidc: OidcHelpers) => Promise<void>,
  env: Record<string, string> = {},
) {
  const provider = await startProvider();
  const services = await staffServices(provider, env);
  try {
    await seedStaff(services);
    const oidc = createOidcHelpers(services, oidcProviderFromConfig(services.config)!);
    await fn(provider, services, oidc);
  } finally {
    services.close();
    await provider.stop();
  }
}

async function refused(p: Promise<unknown>): Promise<SignInError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SignInError) return err;
    throw err;
  }
  throw new Error("the sign-in was accepted");
}

async function assertRefused(p: Promise<unknown>, reason: SignInFailure, status = 400) {
  const err = await refused(p);
  assert.deepEqual(err.reason, reason, err.message);
  assert.deepEqual(err.status, status);
  // The one error path answers with that status, never a 500.
  assert.deepEqual(problemOf(err)?.status, status);
}

/** Every value in KV, as one JSON text (to prove a secret is not stored). */
async function dumpKv(services: Services): Promise<string> {
  const out: unknown[] = [];
  for await (const e of services.kv.list({ prefix: [] })) out.push([e.key, e.value]);
  return JSON.stringify(out);
}

Deno.test("OIDC: code + PKCE round trip signs an invited member in", async () => {
  await withProvider(async (provider, services, oidc) => {
    const started = await startSignIn(oidc, { returnTo: "/staff/tickets?status=open" });
    const a = started.authorizeUrl;
    assert.deepEqual(a.origin + a.pathname, `${provider.issuer}/authorize`);
    assert.deepEqual(a.searchParams.get("client_id"), CLIENT_ID);
    assert.deepEqual(a.searchParams.get("redirect_uri"), `${PORTAL}/staff/callback`);
    assert.deepEqual(a.searchParams.get("response_type"), "code");
    assert.deepEqual(a.searchParams.get("scope"), "openid email profile");
    assert.deepEqual(a.searchParams.get("code_challenge_method"), "S256");
    assert.match(a.searchParams.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(a.searchParams.get("state")!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(a.searchParams.get("nonce")!, /^[A-Za-z0-9_-]{43}$/);
    // The flow cookie: host-only, script-proof, sent back on the provider's redirect.
    const res = await oidc.signIn(new Request(`${PORTAL}/staff/signin`));
    const flowCookie = setCookies(res)[0];
    assert.match(
      flowCookie,
      /^__Host-mp_staff_signin=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    assert.deepEqual(res.headers.get("cache-control"), "no-store");
    // The verifier never leaves the server; only its S256 challenge does.
    assert(!a.href.includes("code_verifier"));

    const callbackUrl = await authorizeAtProvider(a);
    assert.deepEqual(callbackUrl.origin + callbackUrl.pathname, `${PORTAL}/staff/callback`);
    const result = await callback(oidc, callbackUrl, started.cookie);
    assert.deepEqual(result.response.status, 303);
    assert.deepEqual(result.response.headers.get("location"), "/staff/tickets?status=open");
    const cookies = setCookies(result.response);
    const session = cookies.find((c) => c.startsWith("__Host-mp_staff="))!;
    assert.match(
      session,
      /^__Host-mp_staff=mps_[A-Za-z0-9_-]{49}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    assert(
      cookies.some((c) => /^__Host-mp_staff_signin=; Max-Age=0;/.test(c)),
      "flow cookie cleared",
    );
    assert.deepEqual(result.identity, {
      issuer: provider.issuer,
      subject: "johndoe",
      email: "jane@acme.example",
      email_verified: true,
      name: "Jane Doe",
    });
    assert.deepEqual(result.session.org, "acme");
    assert.deepEqual(result.session.ip, "203.0.113.7");

    // The session works, with the member's role.
    const staff = await oidc.getStaff(
      new Request(`${PORTAL}/staff`, { headers: { cookie: cookiePair(session) } }),
    );
    assert.deepEqual(staff?.actor.role, "support");
    assert.deepEqual(staff?.actor.email, "jane@acme.example");
    assert.deepEqual(
      await oidc.getSessionId(
        new Request(`${PORTAL}/staff`, { headers: { cookie: cookiePair(session) } }),
      ),
      result.sessionId,
    );

    // The member is now active and bound to the provider's subject.
    const member = await getStaffMember(services.kv, "acme", "jane@acme.example");
    assert.deepEqual(member?.status, "active");
    assert.deepEqual([member?.issuer, member?.subject], [provider.issuer, "johndoe"]);
    // Only the hash of the session id is stored, and no sign-in secret outlives the flow.
    const dump = await dumpKv(services);
    assert(!dump.includes(result.sessionId), "raw session id in KV");
    assert(!dump.includes(a.searchParams.get("state")!), "state kept after the callback");
    // Nor in a log line: not the session id, the code, the state or the client secret.
    const logs = logLines.join("\n");
    for (
      const secret of [
        result.sessionId,
        callbackUrl.searchParams.get("code")!,
        "test-client-secret",
      ]
    ) {
      assert(!logs.includes(secret), "a secret reached the log");
    }
    assert(!logs.includes(a.searchParams.get("state")!), "the state reached the log");
    const audit = (await listAudit(services.kv, "acme")).entries;
    assert.deepEqual(audit[0].action, "session.sign_in");
    assert.deepEqual(audit[0].actor, { email: "jane@acme.example", role: "support", via: "oidc" });
    assert.deepEqual(audit[0].ip, "203.0.113.7");
    assert.deepEqual(audit[0].user_agent, "TestBrowser/1.0");
  });
});

Deno.test("OIDC: a wrong state is refused, and the flow cannot be retried", async () => {
  await withProvider(async (provider, _services, oidc) => {
    const started = await startSignIn(oidc);
    const callbackUrl = await authorizeAtProvider(started.authorizeUrl);
    const forged = new URL(callbackUrl);
    forged.searchParams.set("state", "attacker-chosen-state-value-0123456789abcdef");
    await assertRefused(callback(oidc, forged, started.cookie), "state_mismatch");
    // The genuine response now finds no flow: one callback per sign-in.
    await assertRefused(callback(oidc, callbackUrl, started.cookie), "flow_expired");
    assert.deepEqual(provider.tokenRequests, 0, "no code was redeemed");
    // Without the browser's flow cookie (a callback URL planted in another browser).
    const other = await startSignIn(oidc);
    const url = await authorizeAtProvider(other.authorizeUrl);
    await assertRefused(callback(oidc, url, ""), "flow_missing");
  });
});

Deno.test("OIDC: a replayed code is refused by us and by the provider", async () => {
  await withProvider(async (provider, _services, oidc) => {
    const first = await signInRoundTrip(oidc);
    assert.deepEqual(first.result.response.status, 303);
    // The same callback again (a leaked URL, a double submit): its flow is gone.
    await assertRefused(callback(oidc, first.callbackUrl, first.flowCookie), "flow_expired");
    // The old code inside a fresh, valid flow: the provider refuses to redeem it again.
    const fresh = await startSignIn(oidc);
    const replay = new URL(first.callbackUrl);
    replay.searchParams.set("state", fresh.authorizeUrl.searchParams.get("state")!);
    const before = provider.tokenRequests;
    await assertRefused(callback(oidc, replay, fresh.cookie), "code_rejected");
    assert.deepEqual(provider.tokenRequests, before, "the provider answered with an error");
  });
});

Deno.test("OIDC: an ID token with the wrong nonce is refused", async () => {
  await withProvider(async (provider, _services, oidc) => {
    provider.onceIdToken((p) => p.nonce = "nonce-of-another-sign-in");
    const started = await startSignIn(oidc);
    const url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");
  });
});

Deno.test("OIDC: an expired ID token is refused (by the provider's stamp and by our clock)", async () => {
  await withProvider(async (provider, services, oidc) => {
    provider.onceIdToken((p) => {
      const now = Math.floor(Date.now() / 1000);
      p.iat = now - 7200;
      p.exp = now - 3600;
    });
    let started = await startSignIn(oidc);
    let url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");

    // A fresh token (valid an hour) is expired for a portal whose clock is 2 h later: the
    // ID token's times are checked on the services clock.
    (services.clock as TestClock).advance(2 * 3_600_000);
    started = await startSignIn(oidc);
    url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");
  });
});

Deno.test("OIDC: ID tokens of another issuer or signed by another key are refused", async () => {
  await withProvider(async (provider, _services, oidc) => {
    // 1. Our provider's key, but another issuer named in the token.
    provider.onceIdToken((p) => p.iss = "https://login.evil.example");
    let started = await startSignIn(oidc);
    let url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");

    // 2. A genuine token of another real provider, slipped into our token response.
    const foreign = await startProvider();
    // 3. …and one by a provider whose key has our key's id, claiming our issuer: only the
    // signature check against our JWKS tells it apart.
    const ourKid = (provider.server.issuer.keys.toJSON()[0] as { kid: string }).kid;
    const forger = await startProvider({ kid: ourKid });
    try {
      for (
        const [minter, claimIssuer] of [[foreign, undefined], [forger, provider.issuer]] as const
      ) {
        started = await startSignIn(oidc);
        const nonce = started.authorizeUrl.searchParams.get("nonce")!;
        const token = await minter.server.issuer.buildToken({
          scopesOrTransform: (_h, p) => {
            Object.assign(p, {
              sub: "johndoe",
              aud: CLIENT_ID,
              nonce,
              email: "jane@acme.example",
              email_verified: true,
              ...(claimIssuer ? { iss: claimIssuer } : {}),
            });
          },
        });
        provider.server.service.once(
          Events.BeforeResponse,
          (res: { body: Record<string, unknown> }) => res.body.id_token = token,
        );
        url = await authorizeAtProvider(started.authorizeUrl);
        await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");
      }
    } finally {
      await foreign.stop();
      await forger.stop();
    }
  });
});

Deno.test("OIDC: a missing or wrong PKCE verifier never gets a session", async () => {
  await withProvider(async (provider, services, oidc) => {
    const editFlow = async (edit: (v: Record<string, unknown>) => void) => {
      for await (
        const e of services.kv.list<Record<string, unknown>>({ prefix: ["staff_signin_flow"] })
      ) {
        const v = { ...e.value };
        edit(v);
        await services.kv.set(e.key, v);
      }
    };
    // The stored verifier is gone: refused before the code is sent anywhere.
    let started = await startSignIn(oidc);
    await editFlow((v) => delete v.code_verifier);
    let url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "pkce_missing");
    assert.deepEqual(provider.tokenRequests, 0);

    // A verifier that does not match the challenge (an intercepted code redeemed by someone
    // else): the provider refuses it.
    started = await startSignIn(oidc);
    await editFlow((v) => v.code_verifier = "x".repeat(64));
    url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "code_rejected");
  });
});

Deno.test("OIDC: the provider's error, a token response without ID token, an unreachable provider", async () => {
  await withProvider(async (provider, services, oidc) => {
    let started = await startSignIn(oidc);
    const denied = new URL(`${PORTAL}/staff/callback`);
    denied.searchParams.set("error", "access_denied");
    denied.searchParams.set("state", started.authorizeUrl.searchParams.get("state")!);
    await assertRefused(callback(oidc, denied, started.cookie), "provider_refused");

    started = await startSignIn(oidc);
    provider.server.service.once(
      Events.BeforeResponse,
      (res: { body: Record<string, unknown> }) => delete res.body.id_token,
    );
    const url = await authorizeAtProvider(started.authorizeUrl);
    await assertRefused(callback(oidc, url, started.cookie), "id_token_invalid");

    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = closed.addr.port;
    closed.close(); // nothing listens there now
    const gone = createOidcHelpers(services, {
      issuer: `http://127.0.0.1:${port}`,
      clientId: CLIENT_ID,
      redirectUri: `${PORTAL}/staff/callback`,
    });
    await assertRefused(
      gone.signIn(new Request(`${PORTAL}/staff/signin`)),
      "provider_unavailable",
      503,
    );
  });
});

Deno.test("OIDC: who may enter: verified and invited, or of the allowed domain", async () => {
  await withProvider(async (provider, services, oidc) => {
    provider.user = { email: "jane@acme.example", email_verified: false };
    await assertRefused(signInRoundTrip(oidc), "email_unverified", 403);
    provider.user = null; // no email claim in the ID token, nor from UserInfo
    await assertRefused(signInRoundTrip(oidc), "email_unverified", 403);

    provider.user = { email: "bob@acme.example", email_verified: true };
    await assertRefused(signInRoundTrip(oidc), "not_invited", 403);
    await setAllowedDomain(services, { via: "cli" }, "acme", "acme.example");
    const bob = await signInRoundTrip(oidc);
    assert.deepEqual(bob.result.member.role, "viewer");
    assert.deepEqual(bob.result.member.via, "domain");
    // Another domain is not let in by acme's rule; "true" as a string counts as verified.
    provider.user = { email: "eve@evil.example", email_verified: "true" };
    await assertRefused(signInRoundTrip(oidc), "not_invited", 403);

    // Microsoft Entra ID sends no email_verified for work accounts; its optional xms_edov
    // claim (domain verified by the tenant) counts, but never over an explicit false.
    provider.user = { email: "jane@acme.example", xms_edov: true };
    assert.deepEqual((await signInRoundTrip(oidc)).result.identity.email_verified, true);
    provider.user = { email: "jane@acme.example", xms_edov: false };
    await assertRefused(signInRoundTrip(oidc), "email_unverified", 403);
    provider.user = { email: "jane@acme.example", email_verified: false, xms_edov: true };
    await assertRefused(signInRoundTrip(oidc), "email_unverified", 403);

    // Jane signs in, and is bound to her subject; the same address with another subject
    // (reassigned at the provider) is refused.
    provider.user = { email: "Jane@ACME.example", email_verified: true };
    await signInRoundTrip(oidc);
    provider.onceIdToken((p) => p.sub = "someone-else");
    await assertRefused(signInRoundTrip(oidc), "identity_mismatch", 403);
  });
});

Deno.test("OIDC: email claims from UserInfo when the ID token has none", async () => {
  await withProvider(async (provider, _services, oidc) => {
    provider.user = null;
    provider.server.service.once(
      Events.BeforeUserinfo,
      (res: { body: Record<string, unknown> }) =>
        Object.assign(res.body, { email: "jane@acme.example", email_verified: true }),
    );
    const { result } = await signInRoundTrip(oidc);
    assert.deepEqual(result.identity.email, "jane@acme.example");
    assert.deepEqual(result.member.role, "support");
  });
});

Deno.test("OIDC: sign-out ends the session; signing in again rotates the session id", async () => {
  await withProvider(async (_provider, services, oidc) => {
    const first = await signInRoundTrip(oidc);
    const req = (cookie: string) => new Request(`${PORTAL}/staff`, { headers: { cookie } });
    assert(await oidc.getStaff(req(first.sessionCookie)));

    // Signing in again from the same browser: a new id, and the old one is dead.
    const second = await signInRoundTrip(oidc, { cookie: first.sessionCookie });
    assert.notDeepEqual(second.result.sessionId, first.result.sessionId);
    assert.deepEqual(await oidc.getStaff(req(first.sessionCookie)), null);
    const staff = await oidc.getStaff(req(second.sessionCookie));
    assert(staff, "the new session works");
    assert.notDeepEqual(second.result.session.csrf_token, first.result.session.csrf_token);

    const out = await oidc.signOut(req(second.sessionCookie), { actor: staff.actor });
    assert.deepEqual(out.status, 303);
    assert.deepEqual(out.headers.get("location"), "/staff/signin?signed_out=1");
    assert.match(
      setCookies(out)[0],
      /^__Host-mp_staff=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    assert.deepEqual(await oidc.getStaff(req(second.sessionCookie)), null);
    const actions = (await listAudit(services.kv, "acme")).entries.map((e) => e.action);
    assert.deepEqual(actions, [
      "session.sign_out",
      "session.sign_in",
      "session.sign_in",
      "staff.add",
    ]);
    const firstSignIn = (await listAudit(services.kv, "acme")).entries[1];
    assert.deepEqual(firstSignIn.detail, { replaced_previous: true });
  });
});

Deno.test("OIDC: an org hint picks the org; return_to stays under /staff", async () => {
  await withProvider(async (_provider, services, oidc) => {
    const { addStaffMember } = await import("@/lib/staff/members.ts");
    await addStaffMember(services, { via: "cli" }, {
      org: "globex",
      email: "jane@acme.example",
      role: "viewer",
    });
    const globex = await signInRoundTrip(oidc, { org: "globex" });
    assert.deepEqual([globex.result.session.org, globex.result.member.role], ["globex", "viewer"]);
    for (
      const evil of [
        "https://evil.example/",
        "//evil.example",
        "/\\evil",
        "/customer/x",
        "/staff/../x",
      ]
    ) {
      const r = await signInRoundTrip(oidc, { returnTo: evil });
      assert.deepEqual(r.result.response.headers.get("location"), "/staff", evil);
    }
  });
});

Deno.test("OIDC: client_secret_basic (the default) sends the secret in the Authorization header", async () => {
  const provider = await startProvider();
  const services = await staffServices(provider, {
    OIDC_CLIENT_ID: "portal42",
    OIDC_CLIENT_SECRET: "secret42",
    OIDC_TOKEN_AUTH_METHOD: "client_secret_basic",
  });
  try {
    await seedStaff(services);
    let authorization: string | undefined;
    let body: Record<string, unknown> = {};
    provider.server.service.once(
      Events.BeforeResponse,
      (_res: unknown, req: { headers: Record<string, string>; body: Record<string, unknown> }) => {
        authorization = req.headers.authorization;
        body = req.body;
      },
    );
    const oidc = createOidcHelpers(services, oidcProviderFromConfig(services.config)!);
    const { result } = await signInRoundTrip(oidc);
    assert.deepEqual(result.session.email, "jane@acme.example");
    assert.deepEqual(authorization, `Basic ${btoa("portal42:secret42")}`);
    assert.deepEqual(body.client_secret, undefined);
    assert.deepEqual(typeof body.code_verifier, "string");
  } finally {
    services.close();
    await provider.stop();
  }
});

Deno.test("OIDC: hostile callbacks are refused with 400, never a 500", async () => {
  await withProvider(async (_provider, services, oidc) => {
    const hostile = [
      (state: string) => `?state=${state}`, // no code
      (state: string) => `?code=abc&state=${state}&state=${state}`, // parameter twice
      (state: string) => `?code=${"x".repeat(5000)}&state=${state}`,
      () => "?code=abc",
      () => "",
      (state: string) => `?code=%00%ff&state=${state}&iss=https://evil.example`,
    ];
    for (const query of hostile) {
      const started = await startSignIn(oidc);
      const state = started.authorizeUrl.searchParams.get("state")!;
      const url = new URL(`${PORTAL}/staff/callback${query(state)}`);
      const err = await refused(callback(oidc, url, started.cookie));
      assert.deepEqual(err.status, 400, `${url.search.slice(0, 80)}: ${err.reason}`);
    }
    // Garbage cookies: no flow.
    for (const cookie of ["__Host-mp_staff_signin=", "__Host-mp_staff_signin=../../etc", "x=y"]) {
      const err = await refused(
        callback(oidc, new URL(`${PORTAL}/staff/callback?code=a&state=b`), cookie),
      );
      assert.deepEqual(err.status, 400, cookie);
    }
    // A garbage session cookie is simply no session.
    const req = new Request(`${PORTAL}/staff`, { headers: { cookie: "__Host-mp_staff=%%%; a" } });
    assert.deepEqual(await oidc.getStaff(req), null);
    assert.deepEqual(await oidc.getSessionId(req), undefined);
    assert.deepEqual((await oidc.signOut(req)).status, 303);
    assert(services);
  });
});
