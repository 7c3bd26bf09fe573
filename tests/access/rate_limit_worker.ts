/**
 * A separate process for the multi-process rate-limit test: opens the shared KV file, waits
 * for the common start time, fires N concurrent requests at one subject, prints how many
 * were allowed. Usage: deno run -A rate_limit_worker.ts <kvPath> <startAtMs> <n>
 */
import { hitRateLimit } from "@/lib/access/rate_limit.ts";
import { loadConfig } from "@/lib/config.ts";
import { systemClock } from "@/lib/services.ts";

const [kvPath, startAt, n] = Deno.args;
const kv = await Deno.openKv(kvPath);
const config = loadConfig({ DENO_ENV: "test", SEED_DEMO: "0", PORT: "0" });
const services = { kv, config, clock: systemClock };
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const ds = await Promise.all(
  Array.from({ length: Number(n) }, () => hitRateLimit(services, { kind: "link", id: "shared" })),
);
console.log(JSON.stringify({ allowed: ds.filter((d) => d.allowed).length }));
kv.close();
