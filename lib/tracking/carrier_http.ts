/**
 * What the three carrier adapters share: an OAuth client-credentials token cached in KV (so
 * every server process uses one token until shortly before it expires), authorized requests
 * with one refresh-and-retry on 401, and the mapping of HTTP statuses to outcomes.
 *
 * Tokens are bearer secrets: they are stored AES-GCM encrypted under a key derived from the
 * client secret (a KV dump or backup alone does not reveal one), and they never reach a log.
 */
import type { z } from "zod";
import {
  exchange,
  NetworkError,
  type OutboundAnswer,
  type OutboundRequest,
} from "@/lib/http/client.ts";
import { parseJsonSafe } from "@/lib/http/json.ts";
import { retryAfterSeconds } from "@/lib/http/retry_after.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { CarrierId } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import { checkTrackingNumber } from "./check_digits.ts";
import type { CallObserver, TrackFailureReason, TrackResult } from "./types.ts";

/** A carrier answered with an error (or did not answer); carries the mapped reason. */
export class CarrierError extends Error {
  constructor(
    readonly reason: TrackFailureReason,
    message: string,
    readonly httpStatus?: number,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "CarrierError";
  }
}

/** Maps a carrier's HTTP status to our outcome; 401/403 are auth, 408 and 5xx server errors. */
export function reasonForStatus(status: number): TrackFailureReason {
  if (status === 400 || status === 422) return "bad_request";
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  return "server_error";
}

export interface CarrierCredentials {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** The OAuth client-credentials grant's fields; each carrier sends them in its own encoding. */
export function clientCredentialsGrant(c: CarrierCredentials): Record<string, string> {
  return { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret };
}

/** What every HTTP carrier adapter is constructed with (adapters.ts builds it from config). */
export interface AdapterOptions {
  services: Services;
  credentials: CarrierCredentials;
  onCall?: CallObserver;
}

export interface SessionOptions {
  services: Services;
  carrier: CarrierId;
  credentials: CarrierCredentials;
  /** Builds the carrier's token request (each documents its own shape). */
  tokenRequest: (c: CarrierCredentials) => OutboundRequest;
  onCall?: CallObserver;
  /** Refresh this long before the carrier's `expires_in` runs out. */
  refreshMarginMs?: number;
}

interface CachedToken {
  iv: Uint8Array;
  data: Uint8Array;
  expires_at: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
}

const keys = {
  token: (carrier: CarrierId, id: string): Deno.KvKey => ["tracking_oauth", carrier, id],
};

/** The KV key of a carrier's cached token; changing credentials or base URL changes it. */
export async function tokenCacheKey(
  carrier: CarrierId,
  c: CarrierCredentials,
): Promise<Deno.KvKey> {
  const id = (await sha256Hex(`${c.baseUrl}\n${c.clientId}\n${c.clientSecret}`)).slice(0, 24);
  return keys.token(carrier, id);
}

const inflight = new Map<string, Promise<string>>();

export class CarrierSession {
  #opts: SessionOptions;
  #key: Promise<CryptoKey>;
  #cacheKey: Promise<Deno.KvKey>;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.#cacheKey = tokenCacheKey(opts.carrier, opts.credentials);
    this.#key = sha256(`tracking-oauth-cache\n${opts.credentials.clientSecret}`).then((raw) =>
      crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"])
    );
  }

  get carrier() {
    return this.#opts.carrier;
  }

  /** `path` on the carrier's configured base URL. */
  url(path: string): URL {
    return new URL(path, this.#opts.credentials.baseUrl);
  }

  /** Reports one exchange to the observer (the poller turns it into integration-log rows). */
  note(
    kind: "oauth" | "track",
    numbers: string[],
    outcome: "ok" | TrackFailureReason,
    latency: number,
    httpStatus?: number,
  ) {
    this.#opts.onCall?.({
      carrier: this.#opts.carrier,
      kind,
      numbers,
      outcome,
      latency_ms: Math.round(latency),
      ...(httpStatus === undefined ? {} : { http_status: httpStatus }),
    });
  }

  async #readCache(): Promise<string | undefined> {
    const entry = await this.#opts.services.kv.get<CachedToken>(await this.#cacheKey);
    const v = entry.value;
    // KV expiry is eventual: check the time too.
    if (!v || v.expires_at <= this.#opts.services.clock.now().getTime()) return undefined;
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: v.iv as BufferSource },
        await this.#key,
        v.data as BufferSource,
      );
      return dec.decode(plain);
    } catch {
      return undefined; // written under other credentials: fetch a new one
    }
  }

  async #writeCache(token: string, expiresInSec: number) {
    const margin = this.#opts.refreshMarginMs ?? 5 * 60_000;
    // Short-lived tokens keep at least half their life in the cache.
    const ttl = Math.max(expiresInSec * 1000 - margin, (expiresInSec * 1000) / 2);
    if (ttl < 1000) return;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await this.#key, enc.encode(token)),
    );
    const value: CachedToken = {
      iv,
      data,
      expires_at: this.#opts.services.clock.now().getTime() + ttl,
    };
    await this.#opts.services.kv.set(await this.#cacheKey, value, { expireIn: ttl });
  }

  /** Forgets the cached token, but only if it is still the one that was refused. */
  async #dropCache(refused: string) {
    if ((await this.#readCache()) === refused) {
      await this.#opts.services.kv.delete(await this.#cacheKey);
    }
  }

  /** The cached token, or a new one from the carrier's OAuth endpoint. Throws CarrierError. */
  async token(): Promise<string> {
    const cached = await this.#readCache();
    if (cached) return cached;
    // Concurrent batches in this process share one token request (other processes share
    // the KV cache; at worst each process fetches one token when it expires).
    const id = JSON.stringify(await this.#cacheKey);
    let pending = inflight.get(id);
    if (!pending) {
      pending = this.#fetchToken().finally(() => inflight.delete(id));
      inflight.set(id, pending);
    }
    return pending;
  }

  async #fetchToken(): Promise<string> {
    const started = performance.now();
    let res: OutboundAnswer;
    try {
      res = await exchange(this.#opts.tokenRequest(this.#opts.credentials));
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      this.note("oauth", [], "server_error", performance.now() - started);
      throw new CarrierError("server_error", `OAuth request failed: ${err.cause.name}`);
    }
    const { text, latencyMs: latency } = res;
    if (!res.ok) {
      const reason = res.status === 400 ? "auth" : reasonForStatus(res.status);
      this.note("oauth", [], reason, latency, res.status);
      throw new CarrierError(
        reason === "not_found" ? "server_error" : reason,
        `OAuth token request refused (HTTP ${res.status})`,
        res.status,
        retryAfterSeconds(res.header("retry-after")),
      );
    }
    const body = (parseJsonSafe(text) ?? {}) as { access_token?: unknown; expires_in?: unknown };
    const token = typeof body.access_token === "string" ? body.access_token : "";
    // UPS sends expires_in as a string ("14399"); the others as a number.
    const expiresIn = Number(body.expires_in ?? 0);
    if (!token || !Number.isFinite(expiresIn)) {
      this.note("oauth", [], "server_error", latency, res.status);
      throw new CarrierError("server_error", "OAuth response without a token", res.status);
    }
    this.note("oauth", [], "ok", latency, res.status);
    await this.#writeCache(token, expiresIn || 3600);
    return token;
  }

  /**
   * Sends an authorized request built by `build(token)`. On 401 it drops the token, gets a new
   * one and retries exactly once. Returns the final response with its body text and latency;
   * throws CarrierError for an OAuth failure or a network error.
   */
  async send(
    numbers: string[],
    build: (token: string) => OutboundRequest,
  ): Promise<OutboundAnswer> {
    for (let attempt = 0;; attempt++) {
      const token = await this.token();
      const started = performance.now();
      let res: OutboundAnswer;
      try {
        res = await exchange(build(token));
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        this.note("track", numbers, "server_error", performance.now() - started);
        throw new CarrierError("server_error", `request failed: ${err.cause.name}`);
      }
      if (res.status === 401 && attempt === 0) {
        this.note("track", numbers, "auth", res.latencyMs, res.status);
        await this.#dropCache(token);
        continue;
      }
      return res;
    }
  }
}

/** How an adapter reads its carrier's answers: each carrier has its own envelopes. */
export interface AnswerFormat<T> {
  /** Names the carrier in "unexpected … response". */
  name: string;
  /** The body of a 2xx answer. */
  schema: z.ZodType<T>;
  /**
   * What a non-2xx body says, or undefined when it is not the carrier's error envelope (the
   * message is then "HTTP <status>"). A `reason` overrides the one the status maps to.
   */
  readError: (body: unknown) => { message?: string; reason?: TrackFailureReason } | undefined;
}

/**
 * A tracking exchange's answer: a failure already logged, or the validated 2xx body. The caller
 * logs the latter with `note` once it has read it (a 200 can still mean "not found").
 */
export type TrackAnswer<T> =
  | { ok: false; failure: TrackResult }
  | { ok: true; data: T; note: (outcome: "ok" | TrackFailureReason) => void };

/** An OAuth refusal or network error as the answer for the numbers it hit. */
export function failureOf(err: CarrierError): TrackResult {
  return { ok: false, reason: err.reason, retryAfter: err.retryAfter, message: err.message };
}

/**
 * One tracking exchange through `session.send` (token, one retry on 401): an OAuth or network
 * failure, a non-2xx answer and a body that does not match the schema become a failure (each
 * logged); a matching 2xx body is returned for the adapter to read.
 */
export async function trackCall<T>(
  session: CarrierSession,
  numbers: string[],
  build: (token: string) => OutboundRequest,
  format: AnswerFormat<T>,
): Promise<TrackAnswer<T>> {
  let res: OutboundAnswer;
  try {
    res = await session.send(numbers, build);
  } catch (err) {
    if (err instanceof CarrierError) return { ok: false, failure: failureOf(err) };
    throw err;
  }
  const note = (outcome: "ok" | TrackFailureReason) =>
    session.note("track", numbers, outcome, res.latencyMs, res.status);
  const body = parseJsonSafe(res.text);
  if (!res.ok) {
    const info = format.readError(body);
    const reason = info?.reason ?? reasonForStatus(res.status);
    note(reason);
    return {
      ok: false,
      failure: {
        ok: false,
        reason,
        retryAfter: retryAfterSeconds(res.header("retry-after")),
        message: info ? info.message : `HTTP ${res.status}`,
      },
    };
  }
  const parsed = format.schema.safeParse(body);
  if (!parsed.success) {
    note("server_error");
    return {
      ok: false,
      failure: { ok: false, reason: "server_error", message: `unexpected ${format.name} response` },
    };
  }
  return { ok: true, data: parsed.data, note };
}

/**
 * The carrier's form of `n` when its format is accepted; otherwise records in `results` why it
 * is refused without a call (a typo must not cost a rate-limited call) and returns undefined.
 */
export function acceptNumber(
  carrier: CarrierId,
  n: string,
  results: Map<string, TrackResult>,
): string | undefined {
  const check = checkTrackingNumber(carrier, n);
  if (check.accepted) return check.normalized;
  results.set(n, { ok: false, reason: "bad_request", message: check.error });
  return undefined;
}

/** Answers after which the next call would fail the same way. */
const STOP_REASONS: ReadonlySet<TrackFailureReason> = new Set([
  "rate_limited",
  "server_error",
  "auth",
]);

/** A failure after which a carrier should get no more calls in this round. */
export function isStopFailure(r: TrackResult): boolean {
  return !r.ok && STOP_REASONS.has(r.reason);
}

/**
 * Tracks numbers one call each, in the order given (for carriers without a batch call). Every
 * number gets an entry keyed as passed in.
 */
export async function trackOneByOne(
  carrier: CarrierId,
  numbers: string[],
  trackOne: (normalized: string) => Promise<TrackResult>,
): Promise<Map<string, TrackResult>> {
  const results = new Map<string, TrackResult>();
  let stop: TrackResult | undefined;
  for (const n of numbers) {
    const normalized = acceptNumber(carrier, n, results);
    if (normalized === undefined) continue;
    // After a rate limit, outage or auth failure, don't spend calls on the rest.
    if (stop) {
      results.set(n, stop);
      continue;
    }
    const r = await trackOne(normalized);
    results.set(n, r);
    if (isStopFailure(r)) stop = r;
  }
  return results;
}

/** "MEMPHIS" → "Memphis"; mixed-case names are left as the carrier wrote them. */
function cityCase(city: string): string {
  if (city !== city.toUpperCase()) return city;
  return city.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_m, p, c) => p + c.toUpperCase());
}

/** "City, ST" (or "City, CC" abroad); undefined when the carrier gave no place. */
export function formatLocation(
  city?: string | null,
  state?: string | null,
  country?: string | null,
): string | undefined {
  const c = city?.trim() ? cityCase(city.trim()) : "";
  const region = state?.trim() ||
    (country?.trim() && country.trim() !== "US" ? country.trim() : "");
  if (c && region) return `${c}, ${region.toUpperCase()}`;
  return c || region || undefined;
}

/** Sorts events oldest first by instant; events without a parseable time keep their place. */
export function oldestFirst<T extends { occurred_at: string }>(events: T[]): T[] {
  return events
    .map((e, i) => ({ e, i, t: Date.parse(e.occurred_at) }))
    .sort((a, b) => (Number.isNaN(a.t) || Number.isNaN(b.t) ? a.i - b.i : a.t - b.t || a.i - b.i))
    .map((x) => x.e);
}
