/**
 * The staff console's configuration: each bad value is refused with one line naming the
 * variable, as every other setting (tests/start_test.ts runs that through main.ts).
 */
import { ConfigError, loadConfig } from "@/lib/config.ts";
import { oidcProviderFromConfig } from "@/lib/http/oidc.ts";
import assert from "node:assert/strict";

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

const ISSUER = "https://login.acme.example/oauth2/default";

Deno.test("config: OIDC and session settings, each refusal names its variable", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ OIDC_ISSUER: "not a url" }, "OIDC_ISSUER"],
    [{ OIDC_ISSUER: "http://login.acme.example", OIDC_CLIENT_ID: "x" }, "OIDC_ISSUER"],
    [
      { OIDC_ISSUER: "http://localhost:8080", OIDC_CLIENT_ID: "x", DENO_ENV: "production" },
      "OIDC_ISSUER",
    ],
    [{ OIDC_ISSUER: `${ISSUER}?tenant=1`, OIDC_CLIENT_ID: "x" }, "OIDC_ISSUER"],
    [{ OIDC_ISSUER: ISSUER }, "OIDC_CLIENT_ID"],
    [{ OIDC_CLIENT_ID: "portal" }, "OIDC_ISSUER"],
    [{ OIDC_CLIENT_SECRET: "s" }, "OIDC_ISSUER"],
    [
      { OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: "x", OIDC_TOKEN_AUTH_METHOD: "private_key_jwt" },
      "OIDC_TOKEN_AUTH_METHOD",
    ],
    [{ STAFF_SESSION_IDLE_MINUTES: "2" }, "STAFF_SESSION_IDLE_MINUTES"],
    [{ STAFF_SESSION_IDLE_MINUTES: "thirty" }, "STAFF_SESSION_IDLE_MINUTES"],
    [{ STAFF_SESSION_MAX_HOURS: "0" }, "STAFF_SESSION_MAX_HOURS"],
    [
      { STAFF_SESSION_MAX_HOURS: "1", STAFF_SESSION_IDLE_MINUTES: "90" },
      "STAFF_SESSION_IDLE_MINUTES",
    ],
  ];
  for (const [env, name] of cases) {
    const line = refusal(env);
    assert.match(line, new RegExp(`^Invalid configuration: ${name}: `), JSON.stringify(env));
    assert.deepEqual(line.split("\n").length, 1);
  }
});

Deno.test("config: a complete OIDC setting gives the provider and its redirect URI", () => {
  const c = loadConfig({
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: "0oa1portal",
    OIDC_CLIENT_SECRET: "s3cret",
    PUBLIC_BASE_URL: "https://portal.acme.example/",
  });
  assert.deepEqual(oidcProviderFromConfig(c), {
    issuer: ISSUER,
    clientId: "0oa1portal",
    clientSecret: "s3cret",
    tokenAuthMethod: "client_secret_basic",
    redirectUri: "https://portal.acme.example/staff/callback",
  });
  assert.deepEqual(oidcProviderFromConfig(loadConfig({})), null);
  // A loopback test provider over http is allowed outside production.
  assert.deepEqual(
    loadConfig({ OIDC_ISSUER: "http://localhost:8080", OIDC_CLIENT_ID: "x" }).OIDC_ISSUER,
    "http://localhost:8080",
  );
});
