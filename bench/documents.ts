/**
 * The documents part of `deno task bench`: what heavy downloads cost everyone else, and what a
 * repeat download costs, on the largest order the store accepts (500 lines of maximal fields,
 * in Polish). Ratios are measured against each other in one run; machines here are noisy.
 */
import type { Services } from "@/lib/services.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createLink } from "@/lib/access/tokens.ts";

export const DOCS_CUSTOMER = "CUST-DOCS-0001";

/** `count` legal 500-line orders for one customer; returns the ZIP download paths. */
export async function seedLargeOrders(services: Services, count: number): Promise<string[]> {
  const now = new Date();
  await upsertCustomer(services.kv, "acme", DOCS_CUSTOMER, {
    name: long(200, "Hurtownia Łódź "),
    email: "docs@example.com",
    locale: "pl",
  }, now);
  const numbers: string[] = [];
  for (let n = 0; n < count; n++) {
    const number = `ORD-DOCS-${String(n).padStart(4, "0")}`;
    numbers.push(number);
    await upsertOrder(services.kv, "acme", number, {
      customer_ref: DOCS_CUSTOMER,
      order_date: "2026-01-14",
      delivery_date: "2026-01-18",
      status: "processing",
      currency: "PLN",
      delivery_address: long(1000, "Długa ulica 12, "),
      tax: "1234567.89",
      shipping: "250.00",
      lines: Array.from({ length: 500 }, (_, i) => ({
        item_code: long(64, `CODE${i}-`),
        description: long(300, "Zażółć gęślą jaźń "),
        qty_ordered: "123456789.125",
        uom: long(16, "kilogramów"),
        unit_price: (1 + i / 100).toFixed(2),
      })),
    }, now);
  }
  const { token } = await createLink(services, "acme", DOCS_CUSTOMER, {});
  return numbers.map((number) =>
    `/api/portal/customer/${token}/orders/${number}/documents/all?lang=pl`
  );
}

function long(n: number, s: string): string {
  return s.repeat(Math.ceil(n / s.length)).slice(0, n);
}

export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timedGet(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const start = performance.now();
  const res = await fetch(url);
  const bytes = (await res.arrayBuffer()).byteLength;
  return { ms: performance.now() - start, status: res.status, bytes };
}

/** `/healthz` one request at a time, a few ms apart, for `seconds`: the p99 latency. */
export async function healthzP99(base: string, seconds: number): Promise<number> {
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const { ms, status } = await timedGet(`${base}/healthz`);
    if (status !== 200) throw new Error(`/healthz answered ${status}`);
    samples.push(ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  return quantile(samples, 0.99);
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  seconds: number;
}

/**
 * `connections` clients downloading in a loop (wrk, in its own process), spread over `paths`.
 * Returns once the load runs; `done` resolves with wrk's counts.
 */
export async function startDownloadLoad(
  base: string,
  paths: string[],
  connections: number,
  seconds: number,
): Promise<{ done: Promise<LoadResult> }> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/paths.lua`;
  // Each connection takes the next path in turn.
  await Deno.writeTextFile(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(", ")}}\n` +
      `local i = 0\n` +
      `request = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`,
  );
  const child = new Deno.Command("wrk", {
    args: ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "60s", "-s", script, base],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = child.output().then(async (out) => {
    await Deno.remove(dir, { recursive: true });
    const text = new TextDecoder().decode(out.stdout);
    const requests = Number(text.match(/(\d+) requests in/)?.[1] ?? "0");
    const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? "0");
    if (!requests) throw new Error(`wrk failed:\n${text}${new TextDecoder().decode(out.stderr)}`);
    return { requests, non2xx, seconds };
  });
  return { done };
}

export interface Round {
  idleP99: number;
  loadedP99: number;
  load: LoadResult;
}

export interface CachedRound extends Round {
  /** ms, the ZIP's first download (generated in a warm worker). */
  first: number;
  /** ms, the p50 of 30 repeated downloads. */
  repeatP50: number;
  zipBytes: number;
}

/**
 * One round on a portal with the cache on, for the ZIP at `path` (not downloaded before): its
 * first and repeated downloads, then `/healthz` idle and while 10 clients download it in a loop.
 */
export async function cachedRound(
  base: string,
  path: string,
  seconds: number,
): Promise<CachedRound> {
  const first = await timedGet(base + path);
  if (first.status !== 200) throw new Error(`ZIP download answered ${first.status}`);
  const repeats: number[] = [];
  for (let i = 0; i < 30; i++) repeats.push((await timedGet(base + path)).ms);
  return {
    first: first.ms,
    repeatP50: quantile(repeats, 0.5),
    zipBytes: first.bytes,
    ...await loadRound(base, [path], seconds),
  };
}

/** Starts the worker (modules, fonts) with another document, so `first` is one generation. */
export async function warmUp(base: string, path: string) {
  const warm = await timedGet(base + path.replace("/all?", "/invoice?"));
  if (warm.status !== 200) throw new Error(`warm-up download answered ${warm.status}`);
}

/** `/healthz` p99 idle, then while 10 clients download `paths` in a loop. */
export async function loadRound(base: string, paths: string[], seconds: number): Promise<Round> {
  const idleP99 = await healthzP99(base, seconds);
  const { done } = await startDownloadLoad(base, paths, 10, seconds + 2);
  await new Promise((r) => setTimeout(r, 1000)); // let the load build up
  const loadedP99 = await healthzP99(base, seconds);
  return { idleP99, loadedP99, load: await done };
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}
