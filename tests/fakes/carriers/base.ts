/**
 * The scriptable part every fake carrier shares: a real HTTP server on a free port, the
 * routing of token and tracking calls, issued OAuth tokens that can be expired on demand
 * (a tracking call without a live one gets the carrier's 401), and forced responses (429 with
 * Retry-After, 500s) queued for the next tracking calls.
 */

export interface Forced {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
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

  // Serving starts here, but routes reach the subclass only per request, after it is built.
  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const body = await req.text();
      const url = new URL(req.url);
      this.calls.push({
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body,
      });
      return this.#route(req, url, body);
    });
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  #route(req: Request, url: URL, body: string): Response {
    if (req.method === "POST" && url.pathname === this.tokenPath) {
      return this.answerToken(req, body);
    }
    const m = req.method === this.trackRoute.method && url.pathname.match(this.trackRoute.path);
    if (!m) return this.unknownRoute();
    this.trackCalls++;
    const forced = this.#takeForced();
    if (forced) return forced;
    if (!this.#tokenOk(req)) return this.unauthorized();
    return this.answerTrack(req, body, m);
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

/** Appends the USPS/IMpb mod-10 check digit to a numeric payload. */
export function withUspsCheckDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    sum += Number(payload[payload.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  }
  return payload + String((10 - (sum % 10)) % 10);
}
