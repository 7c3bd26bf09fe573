/**
 * A sign-in in progress: the OpenID Connect `state`, `nonce` and PKCE `code_verifier` made
 * when the browser is sent to the provider, kept until it comes back. Keyed by the SHA-256
 * of a random flow id that only the browser's sign-in cookie holds, so a callback must come
 * from the browser that started the sign-in (no login CSRF), and consumed by the first
 * callback that presents it (a replayed callback finds nothing).
 *
 * Keys: `["staff_signin_flow", sha256(flow id)]`, removed by `expireIn` after
 * `SIGNIN_FLOW_TTL_MS`; `takeSignInFlow` also checks the age, as that removal is eventual.
 */
import { base64url } from "@/lib/access/secret.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { Services } from "@/lib/services.ts";

/** Ten minutes to sign in at the provider (long enough for MFA, short enough to be useless). */
export const SIGNIN_FLOW_TTL_MS = 10 * 60_000;

export interface SignInFlow {
  state: string;
  nonce: string;
  code_verifier: string;
  /** Where the browser goes after signing in (a `/staff` path, checked before storing). */
  return_to: string;
  /** The org the sign-in link named, if any. */
  org_hint?: string;
  created_at: string;
}

const FLOW_ID = /^[A-Za-z0-9_-]{43}$/;
const keys = {
  flow: (hash: string): Deno.KvKey => ["staff_signin_flow", hash],
};

/** Stores a new flow; returns its id for the browser's cookie. */
export async function saveSignInFlow(
  services: Services,
  flow: Omit<SignInFlow, "created_at">,
): Promise<string> {
  const id = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const record: SignInFlow = { ...flow, created_at: services.clock.now().toISOString() };
  await services.kv.set(keys.flow(await sha256Hex(id)), record, { expireIn: SIGNIN_FLOW_TTL_MS });
  return id;
}

/**
 * The flow for this id, removed in the same step (only one caller can take it), or null
 * when there is none, it was taken already, or it is older than `SIGNIN_FLOW_TTL_MS`.
 */
export async function takeSignInFlow(services: Services, id: string): Promise<SignInFlow | null> {
  if (!FLOW_ID.test(id)) return null;
  const { kv, clock } = services;
  const entry = await kv.get<SignInFlow>(keys.flow(await sha256Hex(id)));
  if (!entry.value) return null;
  const res = await kv.atomic().check(entry).delete(entry.key).commit();
  if (!res.ok) return null;
  const age = clock.now().getTime() - Date.parse(entry.value.created_at);
  return age >= 0 && age < SIGNIN_FLOW_TTL_MS ? entry.value : null;
}
