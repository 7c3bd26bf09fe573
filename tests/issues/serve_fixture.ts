/**
 * A server PROCESS for the crash and memory tests: the issue routes (tests/issues/harness.ts)
 * on a KV file from KV_PATH, seeded once, with the real queue and email handlers. It prints
 * `listening <url>` and serves `/__memory` (its own Deno.memoryUsage()) for the memory test.
 */
import { createApp } from "../../lib/framework/server.ts";
import { loadConfig } from "../../lib/config.ts";
import { setLogSink } from "../../lib/log.ts";
import { getOrg } from "../../lib/orders/store.ts";
import { systemClock } from "../../lib/services.ts";
import { manifest, seed } from "./harness.ts";

setLogSink(() => {}); // keep the pipe quiet; the test reads only the listening line
const config = loadConfig({
  KV_PATH: Deno.env.get("KV_PATH"),
  PORT: "0",
  SEED_DEMO: "0",
  DENO_ENV: "test",
});
const kv = await Deno.openKv(config.kvPath);
const services = { kv, config, clock: systemClock };
if (!(await getOrg(kv, "acme"))) await seed(services);
const app = await createApp({ manifest, services });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req, info) => {
  if (new URL(req.url).pathname === "/__memory") {
    return Response.json(Deno.memoryUsage());
  }
  return app.fetch(req, info);
});
services.config.publicBaseUrl = `http://127.0.0.1:${server.addr.port}`;
console.log(`listening http://127.0.0.1:${server.addr.port}`);
