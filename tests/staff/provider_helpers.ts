/**
 * A real OpenID Connect provider for the staff sign-in tests: `oauth2-mock-server` (npm,
 * run here under Deno) on a loopback port, with real RS256 keys, discovery, JWKS,
 * authorization code + PKCE, and its event hooks to shape one answer per test. Every ID
 * token carries the email claims of `provider.user` (as Google, Okta and Keycloak send them
 * for the `email` scope) unless a test changes them.
 *
 * `signInRoundTrip` drives a sign-in with fetch: our `signIn` response, the provider's
 * authorize redirect (followed by hand), then our callback.
 */
import { Events, OAuth2Server } from "oauth2-mock-server";
import type { Services } from "@/lib/services.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { addStaffMember } from "@/lib/staff/members.ts";
import type { CallbackResult, OidcHelpers } from "@/lib/http/oidc.ts";
import { setLogSink } from "@/lib/log.ts";
import { makeTestServices, TestClock, type TestServices } from "@/tests/helpers/services.ts";

/** Every log line written by these tests (to prove no secret reaches a log). */
export const logLines: string[] = [];
setLogSink((line) => logLines.push(line));

export const CLIENT_ID = "monopilot-portal-test";
export const CLIENT_SECRET = "test-client-secret";
export const PORTAL = "https://portal.example";

type Claims = Record<string, unknown>;

export interface TestProvider {
  server: OAuth2Server;
  issuer: string;
  /** Email claims added to each ID token; `null` leaves them out. */
  user: Claims | null;
  /** Token endpoint requests seen. */
  tokenRequests: number;
  /** Runs once on the next ID token's payload (after `user` is applied). */
  onceIdToken(fn: (payload: Claims) => void): void;
  stop(): Promise<void>;
}

/** ID tokens are the tokens with an audience and no scope (access tokens carry `scope`). */
function isIdToken(payload: Claims): boolean {
  return "aud" in payload && !("scope" in payload);
}

export async function startProvider(opts: { kid?: string } = {}): Promise<TestProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256", opts.kid ? { kid: opts.kid } : undefined);
  await server.start(0, "127.0.0.1");
  const once: Array<(p: Claims) => void> = [];
  const provider: TestProvider = {
    server,
    issuer: server.issuer.url!,
    user: { email: "jane@acme.example", email_verified: true, name: "Jane Doe" },
    tokenRequests: 0,
    onceIdToken: (fn) => once.push(fn),
    stop: () => server.stop(),
  };
  server.service.on(Events.BeforeTokenSigning, (token: { payload: Claims }) => {
    if (!isIdToken(token.payload)) return;
    if (provider.user) Object.assign(token.payload, provider.user);
    once.shift()?.(token.payload);
  });
  server.service.on(Events.BeforeResponse, () => {
    provider.tokenRequests++;
  });
  return provider;
}

/** Test services with the provider configured and a clock at the real time. */
export function staffServices(
  provider: TestProvider,
  env: Record<string, string> = {},
): Promise<TestServices> {
  return makeTestServices({
    env: {
      PUBLIC_BASE_URL: PORTAL,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      // oauth2-mock-server does not form-decode Basic credentials (RFC 6749 2.3.1 says the
      // server must), so the hyphens of these test credentials go in the body instead.
      OIDC_TOKEN_AUTH_METHOD: "client_secret_post",
      ...env,
    },
    // The provider stamps tokens with the real time; the portal's clock starts there too.
    clock: new TestClock(new Date()),
  });
}

/** Org `acme` with Jane (support) invited, and org `globex`. */
export async function seedStaff(services: Services): Promise<void> {
  const now = services.clock.now();
  for (const [slug, name] of [["acme", "ACME Manufacturing"], ["globex", "Globex"]]) {
    await createOrg(services.kv, {
      slug,
      name,
      support_email: `support@${slug}.example`,
      support_phone: "(555) 123-4567",
    }, now);
  }
  await addStaffMember(services, { via: "cli" }, {
    org: "acme",
    email: "jane@acme.example",
    role: "support",
  });
}

/** `name=value` of a Set-Cookie header, for the next request's Cookie header. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0];
}

export function setCookies(res: Response): string[] {
  return res.headers.getSetCookie();
}

export interface StartedSignIn {
  /** The `Cookie` header value the browser now sends (the sign-in flow cookie). */
  cookie: string;
  authorizeUrl: URL;
}

/** Our `signIn` (GET /staff/signin). */
export async function startSignIn(
  oidc: OidcHelpers,
  opts: { returnTo?: string; org?: string; cookie?: string } = {},
): Promise<StartedSignIn> {
  const res = await oidc.signIn(
    new Request(`${PORTAL}/staff/signin`, {
      headers: opts.cookie ? { cookie: opts.cookie } : {},
    }),
    opts,
  );
  if (res.status !== 302) throw new Error(`signIn answered ${res.status}`);
  const flow = setCookies(res).map(cookiePair);
  return {
    cookie: [opts.cookie, ...flow].filter(Boolean).join("; "),
    authorizeUrl: new URL(res.headers.get("location")!),
  };
}

/** The browser at the provider: its authorize endpoint redirects back with code and state. */
export async function authorizeAtProvider(authorizeUrl: URL): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  await res.body?.cancel();
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  return new URL(res.headers.get("location")!);
}

/** Our callback (GET /staff/callback?code&state) with the browser's cookies. */
export function callback(
  oidc: OidcHelpers,
  callbackUrl: URL,
  cookie: string,
  ip = "203.0.113.7",
): Promise<CallbackResult> {
  return oidc.handleCallback(
    new Request(callbackUrl, { headers: { cookie, "user-agent": "TestBrowser/1.0" } }),
    { ip },
  );
}

/** A whole sign-in; returns the callback result and the session cookie pair. */
export async function signInRoundTrip(
  oidc: OidcHelpers,
  opts: { returnTo?: string; org?: string; cookie?: string } = {},
): Promise<
  { result: CallbackResult; sessionCookie: string; callbackUrl: URL; flowCookie: string }
> {
  const started = await startSignIn(oidc, opts);
  const callbackUrl = await authorizeAtProvider(started.authorizeUrl);
  const result = await callback(oidc, callbackUrl, started.cookie);
  const session = setCookies(result.response).find((c) => c.startsWith("__Host-mp_staff="));
  if (!session) throw new Error("no session cookie");
  return { result, sessionCookie: cookiePair(session), callbackUrl, flowCookie: started.cookie };
}
