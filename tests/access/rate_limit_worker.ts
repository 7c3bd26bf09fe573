/**
 * A separate process for the multi-process rate-limit test: opens the shared KV file, waits
 * for the common start time, fires N concurrent requests at one subject, prints how many
 * were allowed. Usage: deno run -A rate_limit_worker.ts <kvPath> <startAtMs> <n>
 */
import { hitRateLimit } from "@/lib/access/rate_limit.ts";
import { makeTestServices, TestClock } from "@/tests/helpers/services.ts";

const [kvPath, startAt, n] = Deno.args;
const services = await makeTestServices({ kvPath, clock: TestClock.live() });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const ds = await Promise.all(
  Array.from({ length: Number(n) }, () => hitRateLimit(services, { kind: "link", id: "shared" })),
);
console.log(JSON.stringify({ allowed: ds.filter((d) => d.allowed).length }));
services.close();
