/**
 * Staff sign-in with the company's OpenID Connect provider, in `@deno/kv-oauth`'s shape
 * (`signIn`, `handleCallback`, `signOut`, `getSessionId`: Request in, Response out) on
 * `oauth4webapi`, so a later move to kv-oauth (JSR, unreachable here) is mechanical.
 *
 * The flow: authorization code with PKCE (S256). `signIn` discovers the provider from
 * `OIDC_ISSUER` (cached an hour), stores `state`, `nonce` and the code verifier in KV under
 * a random flow id (lib/staff/signin_flows.ts, ten minutes) that only a `__Host-` cookie of
 * this browser holds, and redirects to the provider. `handleCallback` takes (consumes) that
 * flow, checks `state`, redeems the code with the verifier, and accepts the ID token only
 * if its issuer, audience, expiry (on the services clock), nonce and signature (the
 * provider's JWKS) are right. The identity must have a verified email address that an org
 * admits (lib/staff/members.ts); then a new session replaces any old one in this browser.
 *
 * Every refusal is a `SignInError` (Fresh's HttpError: 400, 403, or 503 when the provider
 * cannot be reached; lib/http/errors.ts maps it like any other), never a 500, and names its
 * reason for the sign-in page.
 */
import { HttpError } from "fresh";
import * as oauth from "oauth4webapi";
import type { Config } from "@/lib/config.ts";
import { log } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import {
  admitIdentity,
  type AdmitRefusal,
  type AdmitResult,
  type SignInIdentity,
  staffActorFor,
} from "@/lib/staff/members.ts";
import type { StaffActor } from "@/lib/staff/roles.ts";
import {
  createSession,
  endSession,
  getSession,
  isWellFormedSessionId,
  sessionPolicy,
  type StaffSession,
} from "@/lib/staff/sessions.ts";
import { saveSignInFlow, SIGNIN_FLOW_TTL_MS, takeSignInFlow } from "@/lib/staff/signin_flows.ts";
import { clearHostCookie, hostCookie, readCookie } from "@/lib/http/cookies.ts";

export const STAFF_SESSION_COOKIE = "__Host-mp_staff";
export const SIGNIN_FLOW_COOKIE = "__Host-mp_staff_signin";

/** The console's sign-in paths; the callback is the redirect URI registered at the provider. */
export const STAFF_PATHS = {
  home: "/staff",
  signIn: "/staff/signin",
  callback: "/staff/callback",
  signOut: "/staff/signout",
} as const;

export const OIDC_SCOPES = "openid email profile";

export interface OidcProvider {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone), `token_endpoint_auth_method=none`. */
  clientSecret?: string;
  /** How the secret is sent (default client_secret_basic, the registration default). */
  tokenAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** `${PUBLIC_BASE_URL}/staff/callback` */
  redirectUri: string;
}

/** The provider the configuration names, or null when `OIDC_ISSUER` is not set. */
export function oidcProviderFromConfig(
  config: Pick<
    Config,
    | "OIDC_ISSUER"
    | "OIDC_CLIENT_ID"
    | "OIDC_CLIENT_SECRET"
    | "OIDC_TOKEN_AUTH_METHOD"
    | "publicBaseUrl"
  >,
): OidcProvider | null {
  if (!config.OIDC_ISSUER || !config.OIDC_CLIENT_ID) return null;
  return {
    issuer: config.OIDC_ISSUER,
    clientId: config.OIDC_CLIENT_ID,
    ...(config.OIDC_CLIENT_SECRET
      ? { clientSecret: config.OIDC_CLIENT_SECRET, tokenAuthMethod: config.OIDC_TOKEN_AUTH_METHOD }
      : {}),
    // Read when used: with PORT=0 the public origin is known only once the server listens.
    get redirectUri() {
      return config.publicBaseUrl + STAFF_PATHS.callback;
    },
  };
}

export type SignInFailure =
  | "flow_missing"
  | "flow_expired"
  | "state_mismatch"
  | "provider_refused"
  | "pkce_missing"
  | "code_rejected"
  | "id_token_invalid"
  | "provider_unavailable"
  | AdmitRefusal;

const FAILURES: Record<SignInFailure, [number, string]> = {
  flow_missing: [400, "This sign-in was not started in this browser. Start again."],
  flow_expired: [400, "This sign-in has expired or was already used. Start again."],
  state_mismatch: [400, "The sign-in response does not belong to this sign-in. Start again."],
  provider_refused: [400, "The sign-in provider did not sign you in."],
  pkce_missing: [400, "This sign-in cannot be completed. Start again."],
  code_rejected: [400, "The sign-in provider refused the sign-in code. Start again."],
  id_token_invalid: [400, "The sign-in provider's answer could not be verified."],
  provider_unavailable: [503, "The sign-in provider cannot be reached. Try again shortly."],
  email_unverified: [403, "Your account has no verified email address."],
  not_invited: [403, "Your account has not been given access to the staff console."],
  identity_mismatch: [403, "This email address belongs to another account here. Ask an admin."],
};

export class SignInError extends HttpError {
  constructor(readonly reason: SignInFailure, cause?: unknown) {
    const [status, message] = FAILURES[reason];
    super(status, message, cause === undefined ? undefined : { cause });
  }
}

/** What `handleCallback` resolves with (kv-oauth's shape, plus the identity and session). */
export interface CallbackResult {
  response: Response;
  sessionId: string;
  session: StaffSession;
  identity: SignInIdentity;
  member: Extract<AdmitResult, { ok: true }>["member"];
}

/** The request's peer, for the session record and the audit log. */
export interface RequestPeer {
  /** Client address as lib/access/client_ip.ts computes it. */
  ip?: string;
}

export interface OidcHelpers {
  /** Redirects to the provider. `returnTo` is a `/staff` path; `org` picks an org. */
  signIn(req: Request, opts?: { returnTo?: string; org?: string }): Promise<Response>;
  /**
   * The origins the sign-in form's redirect goes through (the issuer's and its authorization
   * endpoint's): browsers apply the page's CSP `form-action` to every redirect after a form
   * submission, so the sign-in page must allow them or the button does nothing.
   */
  signInOrigins(): Promise<string[]>;
  /** Completes the sign-in or throws `SignInError`. */
  handleCallback(req: Request, peer?: RequestPeer): Promise<CallbackResult>;
  /** Ends this browser's session and clears its cookie; 303 to `redirectTo`. */
  signOut(
    req: Request,
    opts?: { redirectTo?: string; actor?: StaffActor; peer?: RequestPeer },
  ): Promise<Response>;
  /** The session id in this request's cookie (format-checked, not looked up), as kv-oauth. */
  getSessionId(req: Request): Promise<string | undefined>;
  /** The live session and its actor, or null (no cookie, ended, expired, member removed). */
  getStaff(
    req: Request,
    peer?: RequestPeer,
  ): Promise<{ sessionId: string; session: StaffSession; actor: StaffActor } | null>;
}

export interface OidcOptions {
  /** Who may enter; defaults to invitations and allowed domains (lib/staff/members.ts). */
  admit?: (identity: SignInIdentity, opts: { orgHint?: string }) => Promise<AdmitResult>;
  /** Per provider request; a provider slower than this is "unavailable". */
  timeoutMs?: number;
}

const DISCOVERY_TTL_MS = 3_600_000;
const discovered = new Map<string, { as: oauth.AuthorizationServer; until: number }>();

/** `/staff` or a path below it; anything else (absolute URLs, `//host`, `\`) → `/staff`. */
export function safeStaffReturn(value: string | undefined | null): string {
  if (!value || value.length > 2000 || !value.startsWith("/") || value.startsWith("//")) {
    return STAFF_PATHS.home;
  }
  // The URL parser silently drops tabs and newlines, so refuse them before it sees them.
  if (value.includes("\\") || [...value].some((ch) => ch < " " || ch === "\x7f")) {
    return STAFF_PATHS.home;
  }
  let url: URL;
  try {
    url = new URL(value, "http://portal.invalid");
  } catch {
    return STAFF_PATHS.home;
  }
  if (url.origin !== "http://portal.invalid") return STAFF_PATHS.home;
  const p = url.pathname;
  if (p !== STAFF_PATHS.home && !p.startsWith(STAFF_PATHS.home + "/")) return STAFF_PATHS.home;
  if (p === STAFF_PATHS.signIn || p === STAFF_PATHS.callback || p === STAFF_PATHS.signOut) {
    return STAFF_PATHS.home;
  }
  return p + url.search;
}

const ORG_HINT = /^[a-z0-9][a-z0-9-]{1,39}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function noStore(headers: Headers): Headers {
  headers.set("cache-control", "no-store");
  return headers;
}

function redirect(location: string, status: 302 | 303, cookies: string[]): Response {
  const headers = noStore(new Headers({ location }));
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status, headers });
}

/**
 * Whether the provider vouches for the address: `email_verified` true (or the string "true"
 * some providers send); without that claim, Microsoft Entra ID's optional `xms_edov` (the
 * email's domain is verified by its tenant), which Entra sends instead for work accounts.
 */
export function isVerifiedEmail(claims: Record<string, unknown>): boolean {
  if (claims.email_verified !== undefined) {
    return claims.email_verified === true || claims.email_verified === "true";
  }
  return claims.xms_edov === true || claims.xms_edov === "true";
}

/**
 * The sign-in helpers for one provider.
 *
 * @example
 * const oidc = createOidcHelpers(services, oidcProviderFromConfig(services.config)!);
 * // GET /staff/signin → await oidc.signIn(ctx.req, { returnTo: ctx.url.searchParams.get("return_to") })
 * // GET /staff/callback → (await oidc.handleCallback(ctx.req, { ip })).response
 */
export function createOidcHelpers(
  services: Services,
  provider: OidcProvider,
  options: OidcOptions = {},
): OidcHelpers {
  const issuer = new URL(provider.issuer);
  // Allowed only for a loopback test provider outside production (lib/config.ts refuses
  // any other http:// issuer).
  const insecure = issuer.protocol === "http:";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const admit = options.admit ?? ((identity, o) => admitIdentity(services, identity, o));

  const httpOptions = () => ({
    signal: AbortSignal.timeout(timeoutMs),
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  });

  /** The services clock drives every ID token time check (tests move it). */
  const client = (): oauth.Client => ({
    client_id: provider.clientId,
    [oauth.clockSkew]: (services.clock.now().getTime() - Date.now()) / 1000,
  });

  async function authorizationServer(): Promise<oauth.AuthorizationServer> {
    const cached = discovered.get(provider.issuer);
    if (cached && cached.until > Date.now()) return cached.as;
    try {
      const res = await oauth.discoveryRequest(issuer, httpOptions());
      const as = await oauth.processDiscoveryResponse(issuer, res);
      discovered.set(provider.issuer, { as, until: Date.now() + DISCOVERY_TTL_MS });
      return as;
    } catch (err) {
      log.warn("OIDC discovery failed", { issuer: provider.issuer, error: String(err) });
      throw new SignInError("provider_unavailable", err);
    }
  }

  function clientAuth(): oauth.ClientAuth {
    if (!provider.clientSecret) return oauth.None();
    // The method must be the one registered for the client: some providers (Okta, Hydra)
    // refuse the other. Basic credentials are form-encoded first (RFC 6749 2.3.1).
    return provider.tokenAuthMethod === "client_secret_post"
      ? oauth.ClientSecretPost(provider.clientSecret)
      : oauth.ClientSecretBasic(provider.clientSecret);
  }

  async function signIn(req: Request, opts: { returnTo?: string; org?: string } = {}) {
    const as = await authorizationServer();
    if (!as.authorization_endpoint) throw new SignInError("provider_unavailable");
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const flowId = await saveSignInFlow(services, {
      state,
      nonce,
      code_verifier: codeVerifier,
      return_to: safeStaffReturn(opts.returnTo),
      ...(opts.org && ORG_HINT.test(opts.org) ? { org_hint: opts.org } : {}),
    });
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set("client_id", provider.clientId);
    url.searchParams.set("redirect_uri", provider.redirectUri);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", OIDC_SCOPES);
    url.searchParams.set("state", state);
    url.searchParams.set("nonce", nonce);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
    await req.body?.cancel().catch(() => {});
    return redirect(url.href, 302, [
      hostCookie(SIGNIN_FLOW_COOKIE, flowId, SIGNIN_FLOW_TTL_MS / 1000),
    ]);
  }

  async function signInOrigins(): Promise<string[]> {
    const origins = new Set([issuer.origin]);
    try {
      const endpoint = (await authorizationServer()).authorization_endpoint;
      if (endpoint) origins.add(new URL(endpoint).origin);
    } catch {
      // Unreachable now: the button's POST answers the error page itself.
    }
    return [...origins];
  }

  /** The email claims from the ID token, else from the UserInfo endpoint. */
  async function identityFrom(
    as: oauth.AuthorizationServer,
    tokens: oauth.TokenEndpointResponse,
    claims: oauth.IDToken,
  ): Promise<SignInIdentity> {
    let source: Record<string, unknown> = claims;
    if (
      (typeof claims.email !== "string" || claims.email_verified === undefined) &&
      as.userinfo_endpoint
    ) {
      try {
        const res = await oauth.userInfoRequest(as, client(), tokens.access_token, httpOptions());
        source = {
          ...claims,
          ...(await oauth.processUserInfoResponse(as, client(), claims.sub, res)),
        };
      } catch (err) {
        log.warn("OIDC userinfo failed", { issuer: provider.issuer, error: String(err) });
        throw new SignInError("provider_unavailable", err);
      }
    }
    const email = typeof source.email === "string" ? source.email : undefined;
    const name = typeof source.name === "string" ? source.name : undefined;
    return {
      issuer: claims.iss,
      subject: claims.sub,
      ...(email ? { email } : {}),
      email_verified: email !== undefined && isVerifiedEmail(source),
      ...(name ? { name } : {}),
    };
  }

  async function handleCallback(req: Request, peer: RequestPeer = {}): Promise<CallbackResult> {
    const flowId = readCookie(req, SIGNIN_FLOW_COOKIE);
    if (!flowId) throw new SignInError("flow_missing");
    // Taken (deleted) first, whatever follows: a flow answers one callback only.
    const flow = await takeSignInFlow(services, flowId);
    if (!flow) throw new SignInError("flow_expired");
    const as = await authorizationServer();
    const c = client();
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, c, new URL(req.url), flow.state);
    } catch (err) {
      throw new SignInError(
        err instanceof oauth.AuthorizationResponseError ? "provider_refused" : "state_mismatch",
        err,
      );
    }
    const code = params.get("code");
    if (!code || code.length > 4096) throw new SignInError("provider_refused");
    if (!CODE_VERIFIER.test(flow.code_verifier ?? "")) throw new SignInError("pkce_missing");

    let tokenResponse: Response;
    try {
      tokenResponse = await oauth.authorizationCodeGrantRequest(
        as,
        c,
        clientAuth(),
        params,
        provider.redirectUri,
        flow.code_verifier,
        httpOptions(),
      );
    } catch (err) {
      throw new SignInError("provider_unavailable", err);
    }
    if (!tokenResponse.ok) {
      const body = await tokenResponse.text().catch(() => "");
      log.warn("OIDC code refused", { status: tokenResponse.status, body: body.slice(0, 200) });
      throw new SignInError("code_rejected");
    }
    let tokens: oauth.TokenEndpointResponse;
    let claims: oauth.IDToken | undefined;
    try {
      tokens = await oauth.processAuthorizationCodeResponse(as, c, tokenResponse, {
        expectedNonce: flow.nonce,
        requireIdToken: true,
      });
      // oauth4webapi checks the claims above; the signature is checked here, against the
      // key the provider's JWKS names (TLS alone would do for the token endpoint, but a
      // signature check also refuses a token another issuer or key signed).
      await oauth.validateApplicationLevelSignature(as, tokenResponse, httpOptions());
      claims = oauth.getValidatedIdTokenClaims(tokens);
    } catch (err) {
      log.warn("OIDC ID token refused", { issuer: provider.issuer, error: String(err) });
      throw new SignInError("id_token_invalid", err);
    }
    if (!claims) throw new SignInError("id_token_invalid");

    const identity = await identityFrom(as, tokens, claims);
    const admitted = await admit(identity, { orgHint: flow.org_hint });
    if (!admitted.ok) {
      log.info("staff sign-in refused", { reason: admitted.reason, issuer: identity.issuer });
      throw new SignInError(admitted.reason);
    }
    const userAgent = req.headers.get("user-agent") ?? undefined;
    const { sessionId, session } = await createSession(services, {
      org: admitted.member.org,
      email: admitted.member.email,
      ...(admitted.member.name ? { name: admitted.member.name } : {}),
      via: "oidc",
      issuer: identity.issuer,
      subject: identity.subject,
      role: admitted.member.role,
      ip: peer.ip,
      userAgent,
    }, { replaces: readCookie(req, STAFF_SESSION_COOKIE) });
    log.info("staff signed in", { org: session.org, via: "oidc" });
    const response = redirect(flow.return_to, 303, [
      staffSessionCookie(services.config, sessionId),
      clearHostCookie(SIGNIN_FLOW_COOKIE),
    ]);
    return { response, sessionId, session, identity, member: admitted.member };
  }

  function getSessionId(req: Request): Promise<string | undefined> {
    const id = readCookie(req, STAFF_SESSION_COOKIE);
    return Promise.resolve(isWellFormedSessionId(id) ? id : undefined);
  }

  async function signOut(
    req: Request,
    opts: { redirectTo?: string; actor?: StaffActor; peer?: RequestPeer } = {},
  ): Promise<Response> {
    const id = await getSessionId(req);
    if (id) {
      await endSession(services, id, {
        audit: {
          role: opts.actor?.role,
          ip: opts.peer?.ip,
          userAgent: req.headers.get("user-agent") ?? undefined,
        },
      });
    }
    return redirect(opts.redirectTo ?? `${STAFF_PATHS.signIn}?signed_out=1`, 303, [
      clearHostCookie(STAFF_SESSION_COOKIE),
    ]);
  }

  return {
    signIn,
    signInOrigins,
    handleCallback,
    signOut,
    getSessionId,
    getStaff: (req, peer) => currentStaff(services, req, peer),
  };
}

/** `Set-Cookie` for a new staff session: it lives as long as the session can. */
export function staffSessionCookie(
  config: Pick<Config, "STAFF_SESSION_IDLE_MINUTES" | "STAFF_SESSION_MAX_HOURS">,
  sessionId: string,
): string {
  return hostCookie(STAFF_SESSION_COOKIE, sessionId, sessionPolicy(config).absoluteMs / 1000);
}

/**
 * The live staff session of a request and its actor, or null. Works for both sign-in
 * methods (the developer sign-in shares the cookie and the session store).
 */
export async function currentStaff(
  services: Services,
  req: Request,
  peer: RequestPeer = {},
): Promise<{ sessionId: string; session: StaffSession; actor: StaffActor } | null> {
  const id = readCookie(req, STAFF_SESSION_COOKIE);
  if (!isWellFormedSessionId(id)) return null;
  const found = await getSession(services, id);
  if (!found.ok) return null;
  const actor = await staffActorFor(services.kv, found.session, {
    ip: peer.ip,
    userAgent: req.headers.get("user-agent") ?? undefined,
  });
  return actor ? { sessionId: id, session: found.session, actor } : null;
}

/** Forget cached provider metadata (tests that restart a provider on the same URL). */
export function clearDiscoveryCache(): void {
  discovered.clear();
}
