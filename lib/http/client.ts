/**
 * Outbound HTTP calls (carrier APIs, Resend) as plain data: a request description in, the
 * status, headers, body text and latency out. Domain adapters describe what to send and read
 * what came back; only this module touches `fetch`, `Request` and `Response`.
 */

export interface OutboundRequest {
  url: URL | string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

export interface OutboundAnswer {
  status: number;
  /** 2xx. */
  ok: boolean;
  /** A response header, or null (`answer.header("retry-after")`). */
  header(name: string): string | null;
  /** The body as text ("" when it could not be read). */
  text: string;
  latencyMs: number;
}

/** No answer at all: refused connection, DNS, TLS, or the timeout. `cause` names which. */
export class NetworkError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.name);
    this.name = "NetworkError";
  }
}

export interface ExchangeOptions {
  /** Aborts the call after this long (a NetworkError with a TimeoutError cause). */
  timeoutMs?: number;
  /** Another fetch (tests). */
  fetch?: typeof fetch;
}

/** Sends the request and reads the whole answer; throws NetworkError when there is none. */
export async function exchange(
  req: OutboundRequest,
  opts: ExchangeOptions = {},
): Promise<OutboundAnswer> {
  const started = performance.now();
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(req.url, {
      method: req.method ?? "GET",
      headers: req.headers,
      body: req.body,
      ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
    });
  } catch (err) {
    throw new NetworkError(err instanceof Error ? err : new Error(String(err)));
  }
  const text = await res.text().catch(() => "");
  const headers = res.headers;
  return {
    status: res.status,
    ok: res.ok,
    header: (name) => headers.get(name),
    text,
    latencyMs: performance.now() - started,
  };
}
