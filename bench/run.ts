/**
 * `deno task bench`: the performance budget of issue 3, measured in one run.
 *
 * - Page weight: the dashboard's gzipped HTML and script count for the demo customer; the
 *   JavaScript the order detail page loads before any click, gzipped (entry scripts and the
 *   chunks they import statically), and the modal's code fetched on the first open.
 * - Throughput: the dashboard (link check + rate limit + order list + render) against
 *   `../shared/bench/ceiling.tsx`, measured back to back with wrk, for a customer with 20
 *   orders and one with 10,000. Machines here are noisy: the ratio is the figure that counts.
 * - Documents (issue 14, bench/documents.ts): `/healthz` p99 while 10 clients download the ZIP
 *   of a 500-line order in a loop, over `/healthz` p99 idle; a repeated download of that ZIP
 *   against its first generation; and the same `/healthz` ratio with the cache off, so every
 *   download is generated in the worker pool.
 *
 * - Lighthouse 12 (bench/lighthouse.ts), mobile and desktop, on the dashboard and the order
 *   page: performance ≥ 98, accessibility 100, best practices 100; mobile with the CPU slowdown
 *   Lighthouse's guide calibrates from this machine's benchmarkIndex (the default 4× printed
 *   beside it); and whether responses are compressed for a client that sends Accept-Encoding.
 *
 * - Poller (issue 14, bench/poller.ts): one round of 10,000 and of 100,000 active shipments
 *   against the local carrier servers, on a time-compressed clock: duration, KV operations
 *   per shipment, the carriers' limits in their arrival logs, peak RSS 100,000 / 10,000.
 *
 * `BENCH_PARTS=documents` (or `weight,throughput,lighthouse`, or `poller`) runs only those parts.
 */
import http from "node:http";
import { Buffer } from "node:buffer";
import { loadConfig } from "@/lib/config.ts";
import { type Services, systemClock } from "@/lib/services.ts";
import { seedDemo } from "@/lib/seed/demo.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createLink } from "@/lib/access/tokens.ts";
import { pollerBench } from "./poller.ts";
import { scriptWeights } from "./script_weight.ts";
import {
  type CachedRound,
  cachedRound,
  loadRound,
  median,
  type Round,
  seedLargeOrders,
  warmUp,
} from "./documents.ts";
import { calibratedSlowdown, LIGHTHOUSE_BUDGET, runLighthouse, type Scores } from "./lighthouse.ts";

const root = new URL("..", import.meta.url).pathname;
const sharedBench = new URL("../../shared/bench/", import.meta.url).pathname;
const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? "10");
const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? "3");
const parts = new Set(
  (Deno.env.get("BENCH_PARTS") ?? "weight,throughput,lighthouse,documents,poller").split(","),
);

// The poller (issue 14, bench/poller.ts) needs neither the portal nor the ceiling.
const pollerLines = parts.has("poller") ? await pollerBench() : [];
if (parts.size === 1 && parts.has("poller")) {
  for (const line of pollerLines) console.log(line);
  Deno.exit(0);
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function waitForListening(child: Deno.ChildProcess, pattern: RegExp): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`process exited before listening:\n${out}`);
    out += value;
    const m = out.match(pattern);
    if (m) {
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })();
      return m[1];
    }
  }
}

async function waitForUrl(url: string) {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** A free port for the ceiling (it has no port-0 report of its own). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
const ceilingPort = freePort();

async function wrk(url: string): Promise<number> {
  const out = await new Deno.Command("wrk", {
    args: ["-t2", "-c50", `-d${seconds}s`, url],
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() => {
    throw new Error("wrk is missing: apt-get install -y wrk");
  });
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? "0");
  if (!rps || non2xx > 0) throw new Error(`wrk failed for ${url}:\n${text}`);
  return rps;
}

// 1. Data: the demo customer (20-odd orders) and a customer with 10,000 orders.
const dir = await Deno.makeTempDir();
const kvPath = `${dir}/bench.kv`;
const config = loadConfig({ KV_PATH: kvPath, SEED_DEMO: "0", DENO_ENV: "production", PORT: "0" });
const kv = await Deno.openKv(kvPath);
const services: Services = { kv, config, clock: systemClock };
const demoLink = await seedDemo(services);
if (!demoLink) throw new Error("demo seed did not run");
await upsertCustomer(kv, "acme", "CUST-BULK-0001", {
  name: "Bulk Buyer Ltd.",
  email: "bulk@example.com",
  locale: "en",
}, new Date());
const bulkOrders = parts.has("throughput") ? 10_000 : 0;
console.log(`Seeding ${bulkOrders.toLocaleString("en")} orders for the bulk customer…`);
for (let i = 0; i < bulkOrders; i++) {
  const day = String(1 + (i % 28)).padStart(2, "0");
  const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, "0");
  await upsertOrder(kv, "acme", `ORD-B${String(i).padStart(6, "0")}`, {
    customer_ref: "CUST-BULK-0001",
    order_date: `2025-${month}-${day}`,
    delivery_date: `2025-${month}-${day}`,
    status: (["processing", "shipped", "delivered", "cancelled"] as const)[i % 4],
    currency: "USD",
    delivery_address: "1 Bulk Way, Springfield",
    lines: [{ item_code: "PROD-1", description: "Widget", qty_ordered: "3", unit_price: "9.99" }],
  }, new Date());
}
const bulk = await createLink(services, "acme", "CUST-BULK-0001", {});
console.log("Seeding 10 orders of 500 lines for the document downloads…");
const zipPaths = await seedLargeOrders(services, 10);
kv.close();
// The cache-off portal gets its own copy: two servers on one KV file contend for its lock.
const uncachedKvPath = `${dir}/uncached.kv`;
for (const suffix of ["", "-wal", "-shm"]) {
  await Deno.copyFile(kvPath + suffix, uncachedKvPath + suffix).catch(() => {});
}

// 2. The portal as deployed (`deno task build`, then production) and the ceiling, side by side.
const build = await new Deno.Command("deno", { args: ["run", "-A", "build.ts"], cwd: root })
  .output();
if (!build.success) {
  throw new Error(`deno task build failed: ${new TextDecoder().decode(build.stderr)}`);
}
async function startPortal(env: Record<string, string> = {}) {
  const child = new Deno.Command("deno", {
    args: ["run", "-A", "main.ts"],
    cwd: root,
    env: {
      KV_PATH: kvPath,
      PORT: "0",
      SEED_DEMO: "0",
      DENO_ENV: "production",
      RATE_LIMIT_PER_HOUR: "10000000",
      PUBLIC_BASE_URL: "http://127.0.0.1",
      ...env,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const url = await waitForListening(child, /"listening","url":"(http:\/\/[^"]+)"/);
  return { child, url };
}
const { child: portal, url: portalUrl } = await startPortal();
const ceiling = new Deno.Command("deno", {
  args: ["run", "-A", "--no-lock", "--unstable-kv", "ceiling.tsx"],
  cwd: sharedBench,
  env: { KV_PATH: `${dir}/ceiling.kv`, PORT: String(ceilingPort) },
  stdout: "null",
  stderr: "null",
}).spawn();
const ceilingUrl = `http://127.0.0.1:${ceilingPort}/c/h`;
await waitForUrl(ceilingUrl);

const path = (link: string) => new URL(link).pathname;
const demoDashboard = portalUrl + path(demoLink);
const bulkDashboard = portalUrl + path(bulk.url);

const ok = (b: boolean) => (b ? "ok" : "OVER BUDGET");
const lines: string[] = [];

try {
  if (parts.has("weight")) lines.push(...await pageWeight());
  if (parts.has("throughput")) lines.push(...await throughput());
  if (parts.has("lighthouse")) lines.push(...await lighthouseScores());
  if (parts.has("documents")) lines.push(...await documents());
  lines.push(...pollerLines);
  console.log("");
  for (const line of lines) console.log(line);
} finally {
  portal.kill("SIGTERM");
  ceiling.kill("SIGTERM");
  await portal.status;
  await ceiling.status;
  await Deno.remove(dir, { recursive: true });
}

// 3. Page weight.
async function pageWeight(): Promise<string[]> {
  const dashRes = await fetch(demoDashboard);
  const dashHtml = new Uint8Array(await dashRes.arrayBuffer());
  const dashScripts = (new TextDecoder().decode(dashHtml).match(/<script/g) ?? []).length;
  const dashGzip = await gzipSize(dashHtml);
  const detailHtml = await (await fetch(`${demoDashboard}/orders/ORD-008456`)).text();
  const { initial: first, lazy } = await scriptWeights(
    detailHtml,
    async (src) => new Uint8Array(await (await fetch(portalUrl + src)).arrayBuffer()),
  );
  const jsGzip = first.gzip;
  const lazyGzip = lazy.gzip;
  return [
    `dashboard HTML (gzip)        ${(dashGzip / 1024).toFixed(1)} KB   budget ≤ 14 KB   ${
      ok(dashGzip <= 14 * 1024)
    }`,
    `dashboard scripts            ${dashScripts}         budget 0         ${ok(dashScripts === 0)}`,
    `order detail initial JS (gzip) ${(jsGzip / 1024).toFixed(1)} KB budget ≤ 8 KB    ${
      ok(jsGzip <= 8 * 1024)
    }  (${first.files.length} files, before any click)`,
    `order detail lazy JS (gzip)   ${
      (lazyGzip / 1024).toFixed(1)
    } KB   on first use of Report Issue (${lazy.files.length} files: its island and the modal)`,
  ];
}

// 4. Throughput, back to back, alternating; the median ratio of the rounds counts.
async function throughput(): Promise<string[]> {
  console.log(`Measuring throughput (${rounds} rounds, ${seconds}s per run)…`);
  const demo: number[] = [];
  const many: number[] = [];
  const rates = { c: [] as number[], p1: [] as number[], p2: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const c = await wrk(ceilingUrl);
    const a = await wrk(demoDashboard);
    const b = await wrk(bulkDashboard);
    rates.c.push(c);
    rates.p1.push(a);
    rates.p2.push(b);
    demo.push(a / c);
    many.push(b / c);
  }
  const c1 = median(rates.c);
  const p1 = median(rates.p1);
  const p2 = median(rates.p2);
  const r1 = median(demo);
  const r2 = median(many);
  return [
    `ceiling (median)             ${c1.toFixed(0)} req/s`,
    `portal, demo customer        ${p1.toFixed(0)} req/s   ratio ${
      r1.toFixed(2)
    }   budget ≥ 0.90   ${ok(r1 >= 0.9)}`,
    `portal, 10,000 orders        ${p2.toFixed(0)} req/s   ratio ${
      r2.toFixed(2)
    }   budget ≥ 0.90   ${ok(r2 >= 0.9)}`,
    `ratio 10,000 / demo          ${
      (r2 / r1).toFixed(2)
    }   (≈ 1: cost does not grow with order count)`,
  ];
}

// 5. Lighthouse, mobile and desktop, on the dashboard and the order page (each run in a fresh
// Chromium; the median of LIGHTHOUSE_ROUNDS runs counts, as the machine is shared), and
// whether a client that accepts gzip or brotli gets compressed responses. Mobile runs twice:
// with Lighthouse's default 4× CPU slowdown (printed for reference), then with the slowdown
// Lighthouse's throttling guide calibrates from this machine's benchmarkIndex, which the
// budget applies to: 4× on a machine slower than the high-end desktop it assumes emulates a
// phone slower than Lighthouse's own target.
async function lighthouseScores(): Promise<string[]> {
  const runs = Number(Deno.env.get("LIGHTHOUSE_ROUNDS") ?? "3");
  console.log(`Running Lighthouse (${runs} runs per page and mode)…`);
  const pages = [["dashboard", demoDashboard], [
    "order page",
    `${demoDashboard}/orders/ORD-008456`,
  ]];
  const out: string[] = [];
  const report = (label: string, results: Scores[], budgeted: boolean) => {
    const perf = median(results.map((r) => r.performance));
    const a11y = median(results.map((r) => r.accessibility));
    const bp = median(results.map((r) => r["best-practices"]));
    const pass = perf >= LIGHTHOUSE_BUDGET.performance &&
      a11y >= LIGHTHOUSE_BUDGET.accessibility && bp >= LIGHTHOUSE_BUDGET["best-practices"];
    // Audit names only ("performance:total-blocking-time"), once each across the runs.
    const failing = [...new Set(results.flatMap((r) => r.failing.map((f) => f.split(" ")[0])))];
    out.push(
      `Lighthouse ${label.padEnd(30)} performance ${perf}  accessibility ${a11y}  ` +
        `best practices ${bp}   ` +
        (budgeted
          ? `budget ≥ ${LIGHTHOUSE_BUDGET.performance}/${LIGHTHOUSE_BUDGET.accessibility}/${
            LIGHTHOUSE_BUDGET["best-practices"]
          }   ${ok(pass)}`
          : "(reference)") +
        (failing.length ? `\n    lost points: ${failing.join(", ")}` : ""),
    );
  };
  const byDefault = new Map<string, Scores[]>();
  for (const [name, url] of pages) {
    const results: Scores[] = [];
    for (let i = 0; i < runs; i++) results.push(await runLighthouse(url, "mobile"));
    byDefault.set(name, results);
  }
  const index = median([...byDefault.values()].flat().map((r) => r.benchmarkIndex));
  const slowdown = Math.round(calibratedSlowdown(index) * 10) / 10;
  out.push(
    `Lighthouse host benchmarkIndex ${index.toFixed(0)} → mobile CPU slowdown ${slowdown}× ` +
      `(Lighthouse's calibration; its default 4× assumes about 1,500)`,
  );
  for (const [name, url] of pages) {
    const calibrated: Scores[] = [];
    for (let i = 0; i < runs; i++) calibrated.push(await runLighthouse(url, "mobile", slowdown));
    report(`${name}, mobile ${slowdown}×`, calibrated, true);
    report(`${name}, mobile 4× (default)`, byDefault.get(name)!, false);
    const desktop: Scores[] = [];
    for (let i = 0; i < runs; i++) desktop.push(await runLighthouse(url, "desktop"));
    report(`${name}, desktop`, desktop, true);
  }
  out.push(await compressed());
  return out;
}

/**
 * "responses compressed: yes/no" for the dashboard HTML and the stylesheet. node:http, not
 * fetch: fetch decodes the body itself, and what counts here is what went over the wire.
 */
async function compressed(): Promise<string> {
  const encoding = (url: string) =>
    new Promise<{ encoding: string; body: string }>((resolve, reject) => {
      http.get(url, { headers: { "accept-encoding": "br, gzip" } }, (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (c: Uint8Array) => chunks.push(c));
        res.on("end", () =>
          resolve({
            encoding: String(res.headers["content-encoding"] ?? "none"),
            body: new TextDecoder().decode(Buffer.concat(chunks)),
          }));
      }).on("error", reject);
    });
  const html = await encoding(demoDashboard);
  // Only read the CSS link from an uncompressed body; otherwise ask for it plainly.
  const page = html.encoding === "none" ? html.body : await (await fetch(demoDashboard)).text();
  const css = page.match(/href="(\/styles\.css[^"]*)"/)?.[1];
  const cssEncoding = css ? (await encoding(portalUrl + css)).encoding : "not found";
  const yes = [html.encoding, cssEncoding].every((e) => e === "gzip" || e === "br");
  return `responses compressed: ${
    yes ? "yes" : "no"
  }   (HTML ${html.encoding}, CSS ${cssEncoding})` +
    `   budget yes   ${ok(yes)}`;
}

// 6. Documents: the same portal (cache on), then one with the cache off; rounds of idle and
// loaded phases in turn, the median ratio counts.
async function documents(): Promise<string[]> {
  console.log(`Measuring documents (${rounds} rounds, ${seconds}s per phase)…`);
  await warmUp(portalUrl, zipPaths.at(-1)!);
  const cached: CachedRound[] = [];
  for (let i = 0; i < rounds; i++) cached.push(await cachedRound(portalUrl, zipPaths[i], seconds));
  const uncachedPortal = await startPortal({
    KV_PATH: uncachedKvPath,
    DOCUMENT_CACHE_MB: "0",
    DOCUMENT_KV_CACHE_DAYS: "0",
  });
  const uncached: Round[] = [];
  try {
    await warmUp(uncachedPortal.url, zipPaths.at(-1)!);
    for (let i = 0; i < rounds; i++) {
      uncached.push(await loadRound(uncachedPortal.url, zipPaths, seconds));
    }
  } finally {
    uncachedPortal.child.kill("SIGTERM");
    await uncachedPortal.child.status;
  }
  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  const of = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
  const first = of(cached, (r) => r.first);
  const repeat = of(cached, (r) => r.repeatP50);
  const repeatRatio = of(cached, (r) => r.repeatP50 / r.first);
  const healthRatio = of(cached, (r) => r.loadedP99 / r.idleP99);
  const uncachedRatio = of(uncached, (r) => r.loadedP99 / r.idleP99);
  const rate = (rs: Round[]) =>
    `${of(rs, (r) => r.load.requests / r.load.seconds).toFixed(1)} downloads/s, ${
      rs.reduce((n, r) => n + r.load.non2xx, 0)
    } non-2xx`;
  return [
    `500-line order ZIP           ${(cached[0].zipBytes / 1024).toFixed(0)} KB, first generation ${
      ms(first)
    } (median)`,
    `ZIP repeated, p50            ${ms(repeat)}   budget ≤ 50 ms   ${ok(repeat <= 50)}`,
    `ZIP repeated / first         ${repeatRatio.toFixed(3)}   budget ≤ 0.1   ${
      ok(repeatRatio <= 0.1)
    }`,
    `/healthz p99, 10 ZIP clients ${ms(of(cached, (r) => r.loadedP99))} / idle ${
      ms(of(cached, (r) => r.idleP99))
    }   ratio ${healthRatio.toFixed(2)}   budget ≤ 3   ${ok(healthRatio <= 3)}  (${rate(cached)})`,
    `  same, cache off            ${ms(of(uncached, (r) => r.loadedP99))} / idle ${
      ms(of(uncached, (r) => r.idleP99))
    }   ratio ${uncachedRatio.toFixed(2)}   budget ≤ 3   ${ok(uncachedRatio <= 3)}  (${
      rate(uncached)
    }: every download drawn in the pool)`,
  ];
}
