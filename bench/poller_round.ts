/**
 * One poll round in its own process, for `deno task bench` (bench/poller.ts starts it): the
 * production poller (rounds, queue listener, adapters, emails to the dev outbox) over a
 * seeded KV file, against the carrier servers of the parent process, on the shared
 * time-compressed clock. Every KV call goes through the meter (lib/tracking/kv_meter.ts);
 * the peak RSS is sampled every 50 ms. Prints one JSON line and exits.
 *
 * Env: KV_PATH, carrier credentials and base URLs, BENCH_REAL_START, BENCH_VIRTUAL_START,
 * BENCH_RATE (clock milliseconds per real millisecond).
 */
import { loadConfig } from "@/lib/config.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import type { Clock, Services } from "@/lib/services.ts";
import { meteredKv, newMeter } from "@/lib/tracking/kv_meter.ts";
import { registerTrackingJobs, startPollCycle } from "@/lib/tracking/poller.ts";
import { latestRounds } from "@/lib/tracking/rounds.ts";

setLogSink(() => {});
let peakRss = Deno.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}, 50);

const env = Deno.env.toObject();
const realStart = Number(env.BENCH_REAL_START);
const virtualStart = Number(env.BENCH_VIRTUAL_START);
const rate = Number(env.BENCH_RATE);
/** Virtual time runs `rate` times faster than real time; every wait is scaled the same way. */
export const clock: Clock = {
  now: () => new Date(virtualStart + (Date.now() - realStart) * rate),
  rate,
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms / rate))),
};

const config = loadConfig(env);
const meter = newMeter();
const raw = await Deno.openKv(config.kvPath);
const services: Services = { kv: meteredKv(raw, meter), config, clock };
registerEmailHandlers();
registerTrackingJobs(services, { cron: false });
startQueueListener(services);

// Wait for the clock's start (the parent set it a little ahead), then the cron's tick.
await new Promise((r) => setTimeout(r, Math.max(0, realStart - Date.now())));
const realBegin = performance.now();
await startPollCycle(services);
let round;
while (true) {
  await new Promise((r) => setTimeout(r, 250));
  [round] = await latestRounds(raw, { limit: 1 });
  if (round?.completed_at) break;
  if (performance.now() - realBegin > 15 * 60_000) throw new Error("the round did not complete");
}
clearInterval(sampler);
peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
console.log(JSON.stringify({
  round,
  meter,
  peak_rss: peakRss,
  real_ms: Math.round(performance.now() - realBegin),
}));
raw.close();
Deno.exit(0);
