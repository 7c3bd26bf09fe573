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
import type {
  CallObserver,
  CallOutcome,
  TrackFailureReason,
  TrackRequest,
  TrackResult,
} from "./types.ts";

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

/**
 * Maps a carrier's HTTP status to our outcome; 401/403 are auth, 408 and 5xx server errors.
 * A 404 is "awaiting first scan" only when the carrier's own envelope says so (each adapter's
 * `readError`); a bare 404 is more likely a wrong base URL, which an operator must see.
 */
export function reasonForStatus(status: number): TrackFailureReason {
  if (status === 400 || status === 404 || status === 422) return "bad_request";
  if (status === 401 || status === 403) return "auth";
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
  /** A new id for each tracking request, for carriers that take one (logged with the call). */
  transactionId?: () => string;
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

/** A carrier's answer with the transaction id that was sent with it (when the carrier takes one). */
export type SentAnswer = OutboundAnswer & { transactionId?: string };

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
    outcome: CallOutcome,
    latency: number,
    httpStatus?: number,
    extra: { transaction_id?: string; detail?: string } = {},
  ) {
    this.#opts.onCall?.({
      carrier: this.#opts.carrier,
      kind,
      numbers,
      outcome,
      latency_ms: Math.round(latency),
      ...(httpStatus === undefined ? {} : { http_status: httpStatus }),
      ...(extra.transaction_id ? { transaction_id: extra.transaction_id } : {}),
      ...(extra.detail ? { detail: extra.detail.slice(0, 200) } : {}),
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
      // Read the cache once more: a request that finished while we awaited has stored its
      // token (and left `inflight`) in the meantime.
      pending = (async () => (await this.#readCache()) ?? await this.#fetchToken())()
        .finally(() => inflight.delete(id));
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
      const reason = res.status === 400
        ? "auth"
        : res.status === 404
        ? "server_error"
        : reasonForStatus(res.status);
      this.note("oauth", [], reason, latency, res.status);
      throw new CarrierError(
        reason,
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
   * Sends an authorized request built by `build(token, transactionId)` (a new id per attempt
   * where the carrier takes one). On 401 it drops the token, gets a new one and retries
   * exactly once. Returns the final response with its body text, latency and id; throws
   * CarrierError for an OAuth failure or a network error.
   */
  async send(
    numbers: string[],
    build: (token: string, transactionId?: string) => OutboundRequest,
  ): Promise<SentAnswer> {
    for (let attempt = 0;; attempt++) {
      const token = await this.token();
      const transactionId = this.#opts.transactionId?.();
      const ids = { transaction_id: transactionId };
      const started = performance.now();
      let res: OutboundAnswer;
      try {
        res = await exchange(build(token, transactionId));
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        this.note("track", numbers, "server_error", performance.now() - started, undefined, ids);
        throw new CarrierError("server_error", `request failed: ${err.cause.name}`);
      }
      if (res.status === 401 && attempt === 0) {
        this.note("track", numbers, "auth", res.latencyMs, res.status, ids);
        await this.#dropCache(token);
        continue;
      }
      return { ...res, transactionId };
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
   * message is then "HTTP <status>"). A `reason` overrides the one the status maps to;
   * `awaiting` means the carrier's documented "no scan of this label yet" answer.
   */
  readError: (
    body: unknown,
    status: number,
  ) => { message?: string; reason?: TrackFailureReason; awaiting?: boolean } | undefined;
}

/**
 * A tracking exchange's answer: a result already logged (a failure, or "awaiting first scan"
 * from an error status), or the validated 2xx body. The caller logs the latter with `note`
 * once it has read it (a 200 can still mean "not found yet").
 */
export type TrackAnswer<T> =
  | { ok: false; result: TrackResult }
  | { ok: true; data: T; note: (outcome: CallOutcome, detail?: string) => void };

/** The carrier has no scan of this number yet: normal for a new label. */
export function awaitingFirstScan(message: string): TrackResult {
  return { ok: true, awaiting_first_scan: true, message };
}

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
  build: (token: string, transactionId?: string) => OutboundRequest,
  format: AnswerFormat<T>,
): Promise<TrackAnswer<T>> {
  let res: SentAnswer;
  try {
    res = await session.send(numbers, build);
  } catch (err) {
    if (err instanceof CarrierError) return { ok: false, result: failureOf(err) };
    throw err;
  }
  const note = (outcome: CallOutcome, detail?: string) =>
    session.note("track", numbers, outcome, res.latencyMs, res.status, {
      transaction_id: res.transactionId,
      detail,
    });
  const body = parseJsonSafe(res.text);
  if (!res.ok) {
    const info = format.readError(body, res.status);
    const message = info?.message ?? `HTTP ${res.status}`;
    if (info?.awaiting) {
      note("not_found", message);
      return { ok: false, result: awaitingFirstScan(message) };
    }
    const reason = info?.reason ?? reasonForStatus(res.status);
    note(reason, message);
    return {
      ok: false,
      result: {
        ok: false,
        reason,
        retryAfter: retryAfterSeconds(res.header("retry-after")),
        message,
      },
    };
  }
  const parsed = format.schema.safeParse(body);
  if (!parsed.success) {
    note("server_error", "unexpected response");
    return {
      ok: false,
      result: { ok: false, reason: "server_error", message: `unexpected ${format.name} response` },
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
): { normalized: string } | { refused: TrackResult } {
  const check = checkTrackingNumber(carrier, n);
  if (check.accepted) return { normalized: check.normalized };
  return { refused: { ok: false, reason: "bad_request", message: check.error } };
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
 * Tracks shipments one call per number, in the order given (for carriers without a batch
 * call); a number asked twice costs one call. `results[i]` answers `requests[i]`.
 */
export async function trackOneByOne(
  carrier: CarrierId,
  requests: TrackRequest[],
  trackOne: (normalized: string) => Promise<TrackResult>,
): Promise<TrackResult[]> {
  const results: TrackResult[] = [];
  const byNumber = new Map<string, TrackResult>();
  let stop: TrackResult | undefined;
  for (const req of requests) {
    const accepted = acceptNumber(carrier, req.tracking_number);
    if ("refused" in accepted) {
      results.push(accepted.refused);
      continue;
    }
    const n = accepted.normalized;
    // After a rate limit, outage or auth failure, don't spend calls on the rest.
    let r = byNumber.get(n) ?? stop;
    if (!r) {
      r = await trackOne(n);
      byNumber.set(n, r);
      if (isStopFailure(r)) stop = r;
    }
    results.push(r);
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
