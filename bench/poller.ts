/**
 * `BENCH_PARTS=poller deno task bench`: one poll round of 10,000 and of 100,000 active
 * shipments over FedEx, UPS and USPS (a third each), against the local carrier servers
 * (tests/fakes/carriers) with 80–200 ms of latency per call and the carriers' published
 * rate limits enforced on their side (429 past them), each round in its own process
 * (bench/poller_round.ts) so its peak RSS is its own.
 *
 * Time is compressed, honestly: the poller, the queue's delays and the carrier servers'
 * limit windows all run on one clock BENCH_POLLER_SPEEDUP (default 5) times faster than
 * real time, so "1,400 calls / 10 s" at the carrier is 1,400 calls / 2 s real and the
 * 10-minute spread is 2 minutes real. Only what we do not control stays real: carrier
 * latency, our own CPU and KV time and the event loop's jitter, which the compression makes
 * that many times heavier in clock time (a pessimistic bias: at 20× the jitter alone
 * crowds UPS's 222 ms spacing). The round starts at 00:00 UTC, so the day quotas give the round
 * its even share (1/48) of the day.
 *
 * 2 % of the numbers get a new status this round (an email each); the rest answer what
 * the shipment already shows, as most shipments do between two rounds.
 */
import { loadConfig } from "@/lib/config.ts";
import { parseRateLimits } from "@/lib/tracking/rate_limits.ts";
import type { Round } from "@/lib/tracking/rounds.ts";
import type { KvMeter } from "@/lib/tracking/kv_meter.ts";
import { FakeFedex, FEDEX_FIXTURES } from "@/tests/fakes/carriers/fedex.ts";
import { FakeUps, UPS_FIXTURES } from "@/tests/fakes/carriers/ups.ts";
import { FakeUsps, USPS_FIXTURES, USPS_OUT, USPS_TRANSIT } from "@/tests/fakes/carriers/usps.ts";
import { type FakeCarrierOptions, maxInWindow } from "@/tests/fakes/carriers/base.ts";
import {
  answeredTracking,
  relabel,
  type ScaleCarrier,
  seedActiveShipments,
} from "@/tests/tracking/poller_scale_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const SPEEDUP = Number(Deno.env.get("BENCH_POLLER_SPEEDUP") ?? "5");
const SIZES = (Deno.env.get("BENCH_POLLER_SIZES") ?? "10000,100000").split(",").map(Number);
const WINDOW_MS = 30 * 60_000;
const LIMITS: Record<ScaleCarrier, string> = {
  fedex: "1400/10s,100000/day",
  ups: "50/10s,100000/day",
  usps: "60/1h",
};

const steady: Record<ScaleCarrier, [sample: unknown, number: string]> = {
  fedex: [FEDEX_FIXTURES["149331877648230"], "149331877648230"],
  ups: [UPS_FIXTURES["1ZCIETST0422222228"], "1ZCIETST0422222228"],
  usps: [USPS_FIXTURES[USPS_TRANSIT], USPS_TRANSIT],
};
const moved: Record<ScaleCarrier, [sample: unknown, number: string]> = {
  fedex: [FEDEX_FIXTURES["231300687629630"], "231300687629630"],
  ups: [UPS_FIXTURES["1Z999AA10123456792"], "1Z999AA10123456792"],
  usps: [USPS_FIXTURES[USPS_OUT], USPS_OUT],
};

/** A stable 2 % of numbers: their carrier has news this round. */
function hasNews(n: string): boolean {
  let h = 0;
  for (const c of n) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 50 === 0;
}

interface Measured {
  size: number;
  round: Round;
  meter: KvMeter;
  peak_rss: number;
  real_ms: number;
  seed_ms: number;
  limits: { carrier: string; window: string; max: number; limit: number; refused: number }[];
}

async function measure(size: number): Promise<Measured> {
  const virtualStart = Date.parse("2026-01-16T00:00:00Z");
  const clock = { now: () => new Date(virtualStart) };
  const fakeOptions = (carrier: ScaleCarrier): FakeCarrierOptions => ({
    clock,
    latencyMs: [80, 200],
    rateLimits: parseRateLimits(LIMITS[carrier]),
    record: false,
    fallback: (n) => {
      const [sample, from] = hasNews(n) ? moved[carrier] : steady[carrier];
      return relabel(sample, from, n);
    },
  });
  const fakes = {
    fedex: new FakeFedex(fakeOptions("fedex")),
    ups: new FakeUps(fakeOptions("ups")),
    usps: new FakeUsps(fakeOptions("usps")),
  };
  const dir = await Deno.makeTempDir();
  const env: Record<string, string> = {
    KV_PATH: `${dir}/poller.kv`,
    DENO_ENV: "production",
    SEED_DEMO: "0",
    PORT: "0",
    FEDEX_CLIENT_ID: "fx-id",
    FEDEX_CLIENT_SECRET: "fx-secret",
    FEDEX_BASE_URL: fakes.fedex.url,
    UPS_CLIENT_ID: "ups-id",
    UPS_CLIENT_SECRET: "ups-secret",
    UPS_BASE_URL: fakes.ups.url,
    USPS_CLIENT_ID: "usps-id",
    USPS_CLIENT_SECRET: "usps-secret",
    USPS_BASE_URL: fakes.usps.url,
    FEDEX_RATE_LIMITS: LIMITS.fedex,
    UPS_RATE_LIMITS: LIMITS.ups,
    USPS_RATE_LIMITS: LIMITS.usps,
  };
  try {
    // Seed: what each carrier's steady answer stores, on every shipment (batched atomics).
    const seedStarted = performance.now();
    const kv = await Deno.openKv(env.KV_PATH);
    const seedServices = {
      kv,
      config: loadConfig(env),
      clock: { now: () => new Date(virtualStart) },
    };
    const tracking: Partial<Record<ScaleCarrier, object>> = {};
    for (const c of ["fedex", "ups", "usps"] as const) {
      tracking[c] = await answeredTracking(seedServices, c);
    }
    const third = Math.floor(size / 3);
    await seedActiveShipments(seedServices, {
      orgs: ["acme", "globex", "initech", "umbrella"],
      customersPerOrg: 25,
      counts: { fedex: size - 2 * third, ups: third, usps: third },
      tracking: (c) => tracking[c]!,
    });
    kv.close();
    const seedMs = performance.now() - seedStarted;
    for (const f of Object.values(fakes)) f.arrivals.length = 0;

    // One clock on both sides, from an instant after the child has started up.
    const anchor = Date.now() + 3_000;
    clock.now = () => new Date(virtualStart + (Date.now() - anchor) * SPEEDUP);
    const out = await new Deno.Command("deno", {
      args: ["run", "-A", "bench/poller_round.ts"],
      cwd: root,
      env: {
        ...env,
        BENCH_REAL_START: String(anchor),
        BENCH_VIRTUAL_START: String(virtualStart),
        BENCH_RATE: String(SPEEDUP),
      },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the poller round for ${size} shipments failed`);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    const limits = (["fedex", "ups", "usps"] as const).flatMap((c) =>
      parseRateLimits(LIMITS[c]).filter((w) => !w.day).map((w) => ({
        carrier: c,
        window: `${w.windowMs / 1000} s`,
        max: maxInWindow(fakes[c].arrivals, w.windowMs),
        limit: w.limit,
        refused: fakes[c].rateLimited,
      }))
    );
    return { size, ...result, seed_ms: seedMs, limits };
  } finally {
    await Promise.all(Object.values(fakes).map((f) => f.close()));
    await Deno.remove(dir, { recursive: true });
  }
}

const ok = (b: boolean) => (b ? "ok" : "OVER BUDGET");

export async function pollerBench(): Promise<string[]> {
  const results: Measured[] = [];
  for (const size of SIZES) {
    console.log(`Poller: one round of ${size.toLocaleString("en")} active shipments…`);
    results.push(await measure(size));
  }
  const lines: string[] = [""];
  lines.push(
    `Poller (one round; clock ${SPEEDUP}× real time, limits and spread on the same clock):`,
  );
  for (const r of results) {
    const t = r.round.totals;
    const polled = Math.max(1, t.polled);
    const kvPerPolled = r.meter.calls / polled;
    const kvPerActive = r.meter.calls / r.size;
    const duration = r.round.duration_ms ?? Infinity;
    lines.push(
      `  ${r.size.toLocaleString("en")} active: seeded in ${(r.seed_ms / 1000).toFixed(1)} s; ` +
        `due ${t.due}, polled ${t.polled}, deferred ${t.deferred}, changed ${t.changed}, ` +
        `emails ${t.emails}, failed ${t.failed}, carrier calls ${t.carrier_calls}`,
    );
    for (const c of r.round.carriers.filter((c) => c.carrier !== "sandbox")) {
      lines.push(
        `    ${c.carrier.padEnd(5)} due ${c.due}, polled ${c.polled}, deferred ${c.deferred}, ` +
          `calls ${c.carrier_calls} (allowance ${c.allowance ?? "∞"}), ${
            ((c.duration_ms ?? 0) / 1000).toFixed(0)
          } s`,
      );
    }
    lines.push(
      `    round duration             ${(duration / 60_000).toFixed(1)} min of 30 (${
        (duration / WINDOW_MS).toFixed(3)
      })   budget ≤ 1/3   ${ok(duration <= WINDOW_MS / 3)}  (${
        (r.real_ms / 1000).toFixed(0)
      } s real)`,
    );
    lines.push(
      `    KV operations / polled     ${kvPerPolled.toFixed(2)}   budget ≤ 3   ${
        ok(kvPerPolled <= 3)
      }  (measured ${r.meter.calls} calls; recorded ${t.kv_ops}; ${
        kvPerActive.toFixed(2)
      } per active; ${(r.meter.reads / r.size).toFixed(2)} keys read and ${
        (r.meter.writes / r.size).toFixed(2)
      } written per active)`,
    );
    for (const l of r.limits) {
      lines.push(
        `    ${l.carrier} max in any ${l.window}: ${l.max} of ${l.limit}   ${
          ok(l.max <= l.limit && l.refused === 0)
        }  (${l.refused} refused with 429)`,
      );
    }
    lines.push(`    peak RSS                   ${(r.peak_rss / 1048576).toFixed(0)} MB`);
  }
  if (results.length >= 2) {
    const ratio = results.at(-1)!.peak_rss / results[0].peak_rss;
    lines.push(
      `  peak RSS ${results.at(-1)!.size.toLocaleString("en")} / ${
        results[0].size.toLocaleString("en")
      }         ${ratio.toFixed(2)}   budget ≤ 1.2   ${ok(ratio <= 1.2)}`,
    );
  }
  return lines;
}

if (import.meta.main) {
  for (const line of await pollerBench()) console.log(line);
}
