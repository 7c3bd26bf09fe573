/**
 * HTTP as it is on the wire, for the edge tests: a request whose answer is read as sent
 * (`rawRequest`, through node:http, which neither decompresses nor follows redirects), a
 * raw TCP request written as the test chooses (`tcpRequest`), this machine's non-loopback
 * address, and a reverse proxy that appends `X-Forwarded-For` and `X-Forwarded-Proto` as
 * nginx's `proxy_add_x_forwarded_for` does.
 */
import http from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as sent (compressed, if it was). */
  body: Uint8Array;
}

export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers },
      (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (c: Uint8Array) => chunks.push(c));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
          }
          const size = chunks.reduce((n, c) => n + c.byteLength, 0);
          const body = new Uint8Array(size);
          let at = 0;
          for (const c of chunks) {
            body.set(c, at);
            at += c.byteLength;
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

export async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return await new Response(stream).text();
}

/**
 * Writes `head` then each of `chunks` (a pause of `gapMs` before each) on a raw socket, and
 * reads the answer until it is whole (by its Content-Length), the server closes or
 * `timeoutMs` passes. Stops writing once the server has answered. Returns the answer's text and when it came (ms since the start).
 */
export async function tcpRequest(
  port: number,
  head: string,
  chunks: Uint8Array[],
  opts: { gapMs?: number; timeoutMs?: number; hostname?: string } = {},
): Promise<{ text: string; answeredAtMs: number | null }> {
  const conn = await Deno.connect({ hostname: opts.hostname ?? "127.0.0.1", port });
  conn.setNoDelay(true);
  const started = performance.now();
  let answeredAtMs: number | null = null;
  let text = "";
  const reading = (async () => {
    const buf = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder();
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        return;
      }
      if (n === null) return;
      answeredAtMs ??= performance.now() - started;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      if (complete(text)) return;
    }
  })();
  const deadline = started + (opts.timeoutMs ?? 10_000);
  try {
    await conn.write(new TextEncoder().encode(head));
    for (const chunk of chunks) {
      if (answeredAtMs !== null || performance.now() > deadline) break;
      if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      await conn.write(chunk);
    }
  } catch { /* the server closed the connection: its answer is what counts */ }
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, Math.max(0, deadline - performance.now()));
  await reading;
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* closed */ }
  return { text, answeredAtMs };
}

/** Whether `text` holds a whole answer with a Content-Length (the server may keep the socket). */
function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = text.slice(0, end).match(/\r\ncontent-length: *(\d+)/i)?.[1];
  return length !== undefined &&
    new TextEncoder().encode(text.slice(end + 4)).byteLength >= +length;
}

/** One of this machine's own addresses that is not loopback, or null if it has none. */
export function nonLoopbackAddress(): string | null {
  for (const i of Deno.networkInterfaces()) {
    if (i.family === "IPv4" && !i.address.startsWith("127.")) return i.address;
  }
  return null;
}

export interface Proxy {
  /** The proxy's origin on `hostname`. */
  url: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy on `0.0.0.0` in front of `upstream`: it appends its peer's address to
 * `X-Forwarded-For` and its own scheme (`proto`) to `X-Forwarded-Proto`, as proxies that
 * append do (a client's own values stay to the left). `url` uses `hostname`.
 */
export function startProxy(upstream: string, opts: { hostname: string; proto?: string }): Proxy {
  const server = Deno.serve({ hostname: "0.0.0.0", port: 0, onListen() {} }, async (req, info) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    const peer = (info.remoteAddr as Deno.NetAddr).hostname;
    const xff = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", xff ? `${xff}, ${peer}` : peer);
    const xfp = headers.get("x-forwarded-proto");
    const proto = opts.proto ?? "http";
    headers.set("x-forwarded-proto", xfp ? `${xfp}, ${proto}` : proto);
    headers.delete("host");
    headers.set("accept-encoding", "identity"); // fetch would decompress, the header would lie
    const res = await fetch(upstream + url.pathname + url.search, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
    return new Response(res.body, res);
  });
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://${opts.hostname}:${port}`, close: () => server.shutdown() };
}
