/**
 * The scriptable part every fake carrier shares: a real HTTP server on a free port, the
 * routing of token and tracking calls, issued OAuth tokens that can be expired on demand
 * (a tracking call without a live one gets the carrier's 401), forced responses (429 with
 * Retry-After, 500s) queued for the next tracking calls, and published samples from
 * tests/fixtures/carriers served byte for byte (`serveFixture`, `serveFixtureFor`).
 */

export interface Forced {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A published carrier answer kept in tests/fixtures/carriers, served as it is. */
export interface FixtureAnswer {
  /** Path under tests/fixtures/carriers, e.g. "fedex/duplicate_number.json". */
  file: string;
  status?: number;
  headers?: Record<string, string>;
}

/** The URL of a sample under tests/fixtures/carriers. */
export function carrierFixture(file: string): URL {
  return new URL(`../../fixtures/carriers/${file}`, import.meta.url);
}

/** A sample's text exactly as stored. */
export function readCarrierFixture(file: string): string {
  return Deno.readTextFileSync(carrierFixture(file));
}

/** How a fake carrier behaves beyond its answers (the poller's scale tests and bench). */
export interface FakeCarrierOptions {
  /** Times each tracking call's arrival (default: real time). */
  clock?: { now(): Date };
  /** Each answer waits a random real time in [min, max] ms, like a carrier far away. */
  latencyMs?: [number, number];
  /**
   * Enforced as the carrier does: a tracking call that would make any rolling window (or
   * the UTC day) hold more than `limit` calls gets 429 with Retry-After, and is not counted.
   */
  rateLimits?: { limit: number; windowMs: number; day?: boolean }[];
  /** Keep every request (method, path, headers, body) in `calls` (default true). */
  record?: boolean;
  /** The answer for a number nothing else scripts (the bench's synthetic shipments). */
  fallback?: (trackingNumber: string) => unknown;
}

/** The most arrivals any rolling window of `windowMs` holds (arrivals sorted or not). */
export function maxInWindow(arrivals: number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[start] >= windowMs) start++;
    max = Math.max(max, i - start + 1);
  }
  return max;
}

export interface RecordedCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Where a fake carrier takes tracking calls. */
export interface TrackRoute {
  method: string;
  /** Matched against the path; its groups reach `answerTrack`. */
  path: RegExp;
}

/**
 * A fake carrier: the base serves and scripts; a subclass says only what is the carrier's own
 * (paths, credentials check, token and error envelopes, tracking answers).
 */
export abstract class FakeCarrierBase {
  url = "";
  readonly calls: RecordedCall[] = [];
  tokenCalls = 0;
  trackCalls = 0;
  #valid = new Set<string>();
  #all: string[] = [];
  #issued = 0;
  #forced: Forced[] = [];
  #fixtures: { token: FixtureAnswer[]; track: FixtureAnswer[] } = { token: [], track: [] };
  #fixturesByNumber = new Map<string, FixtureAnswer>();
  #server: Deno.HttpServer<Deno.NetAddr>;

  /** The carrier's OAuth token endpoint (POST). */
  protected abstract readonly tokenPath: string;
  protected abstract readonly trackRoute: TrackRoute;
  /** Answers a token request: the carrier's refusal, or a token from `issueToken()`. */
  protected abstract answerToken(req: Request, body: string): Response;
  /** The carrier's 401 for a tracking call without a live token. */
  protected abstract unauthorized(): Response;
  /** Answers an authorized tracking call that no forced response took. */
  protected abstract answerTrack(req: Request, body: string, match: RegExpMatchArray): Response;
  /** The carrier's answer to any other request. */
  protected abstract unknownRoute(): Response;

  /** Clock times (ms) of the tracking calls the limits let through, in arrival order. */
  readonly arrivals: number[] = [];
  /** Tracking calls refused with 429 by `rateLimits`. */
  rateLimited = 0;
  #perDay = new Map<number, number>();
  protected readonly options: FakeCarrierOptions;

  // Serving starts here, but routes reach the subclass only per request, after it is built.
  constructor(options: FakeCarrierOptions = {}) {
    this.options = options;
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const body = await req.text();
      const url = new URL(req.url);
      if (options.record !== false) {
        this.calls.push({
          method: req.method,
          path: url.pathname + url.search,
          headers: Object.fromEntries(req.headers),
          body,
        });
      }
      const res = this.#route(req, url, body);
      const latency = options.latencyMs;
      if (latency) {
        const ms = latency[0] + Math.random() * (latency[1] - latency[0]);
        await new Promise((r) => setTimeout(r, ms));
      }
      return res;
    });
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The 429 of the carrier's limits, or undefined and the call is counted. */
  #overLimit(): Response | undefined {
    const now = (this.options.clock?.now() ?? new Date()).getTime();
    const day = Math.floor(now / 86_400_000);
    for (const w of this.options.rateLimits ?? []) {
      let n = 0;
      if (w.day) n = this.#perDay.get(day) ?? 0;
      else {
        for (let i = this.arrivals.length - 1; i >= 0 && n <= w.limit; i--) {
          if (this.arrivals[i] > now - w.windowMs) n++;
          else if (now - this.arrivals[i] > 2 * w.windowMs) break;
        }
      }
      if (n >= w.limit) {
        this.rateLimited++;
        return Response.json({ errors: [{ code: "429", message: "Too many requests" }] }, {
          status: 429,
          headers: { "retry-after": String(Math.ceil(w.windowMs / 1000)) },
        });
      }
    }
    this.#perDay.set(day, (this.#perDay.get(day) ?? 0) + 1);
    this.arrivals.push(now);
    return undefined;
  }

  #route(req: Request, url: URL, body: string): Response {
    if (req.method === "POST" && url.pathname === this.tokenPath) {
      const sample = this.#fixtures.token.shift();
      if (sample) return this.#tokenSample(sample);
      return this.answerToken(req, body);
    }
    const m = req.method === this.trackRoute.method && url.pathname.match(this.trackRoute.path);
    if (!m) return this.unknownRoute();
    this.trackCalls++;
    const limited = this.#overLimit();
    if (limited) return limited;
    const forced = this.#takeForced();
    if (forced) return forced;
    const queued = this.#fixtures.track.shift();
    if (queued) return sampleResponse(queued);
    if (!this.#tokenOk(req)) return this.unauthorized();
    const byNumber = m[1] ? this.#fixturesByNumber.get(decodeURIComponent(m[1])) : undefined;
    if (byNumber) return sampleResponse(byNumber);
    return this.answerTrack(req, body, m);
  }

  /** A token sample: its `access_token` becomes a live token of this server. */
  #tokenSample(sample: FixtureAnswer): Response {
    const text = readCarrierFixture(sample.file);
    const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
    if (typeof token === "string" && (sample.status ?? 200) < 300) {
      this.tokenCalls++;
      this.#valid.add(token);
      this.#all.push(token);
    }
    return sampleResponse(sample);
  }

  /**
   * The next `times` calls to the token or tracking route get this sample (tracking samples
   * come before the token check, like `force`).
   */
  serveFixture(route: "token" | "track", answer: FixtureAnswer, times = 1) {
    for (let i = 0; i < times; i++) this.#fixtures[route].push(answer);
  }

  /** Every authorized tracking call for this number (the path's number) gets this sample. */
  serveFixtureFor(trackingNumber: string, answer: FixtureAnswer) {
    this.#fixturesByNumber.set(trackingNumber, answer);
  }

  /** A new token, valid until `expireTokens()`. */
  protected issueToken(): string {
    this.tokenCalls++;
    const t = `${this.constructor.name}-token-${++this.#issued}-${crypto.randomUUID()}`;
    this.#valid.add(t);
    this.#all.push(t);
    return t;
  }

  #tokenOk(req: Request): boolean {
    const m = req.headers.get("authorization")?.match(/^Bearer (.+)$/);
    return !!m && this.#valid.has(m[1]);
  }

  /** Every issued token now answers 401 (as if it expired early or was revoked). */
  expireTokens() {
    this.#valid.clear();
  }

  /** The next `times` tracking calls get this response instead of data. */
  force(res: Forced, times = 1) {
    for (let i = 0; i < times; i++) this.#forced.push(res);
  }

  #takeForced(): Response | undefined {
    const f = this.#forced.shift();
    if (!f) return undefined;
    return Response.json(f.body ?? {}, { status: f.status, headers: f.headers });
  }

  /** Every token string this server ever issued (tests check none reached a log). */
  get issuedTokens(): string[] {
    return [...this.#all];
  }

  async close() {
    await this.#server.shutdown();
  }
}

function sampleResponse(a: FixtureAnswer): Response {
  return new Response(readCarrierFixture(a.file), {
    status: a.status ?? 200,
    headers: { "content-type": "application/json", ...a.headers },
  });
}

/** Appends the USPS/IMpb mod-10 check digit to a numeric payload. */
export function withUspsCheckDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    sum += Number(payload[payload.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  }
  return payload + String((10 - (sum % 10)) % 10);
}
