/**
 * A server PROCESS for the crash and memory tests: the issue routes (tests/issues/harness.ts)
 * on a KV file from KV_PATH, seeded once, with the real queue and email handlers. It prints
 * `listening <url>` and serves `/__memory` (its own Deno.memoryUsage()) for the memory test.
 */
import { createApp } from "@/lib/framework/server.ts";
import { loadConfig } from "@/lib/config.ts";
import { setLogSink } from "@/lib/log.ts";
import { getOrg } from "@/lib/orders/store.ts";
import { systemClock } from "@/lib/services.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { registerIssueHandlers } from "@/lib/issues/emails.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
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
registerEmailHandlers();
registerIssueHandlers();
startQueueListener(services, { retry: { retryDelaysMs: [10, 10, 10] } }).catch(() => {});
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/__memory") return Response.json(Deno.memoryUsage());
  if (path === "/__debug") {
    return (async () => {
      const out: unknown[] = [];
      for (const prefix of [["dead_letter"], ["queue_dedup"], ["email_sent"]]) {
        for await (const e of kv.list({ prefix })) out.push([e.key, e.value]);
      }
      return Response.json(out);
    })();
  }
  if (path === "/__outbox") {
    return listOutbox(kv, { limit: 200 }).then((o) =>
      Response.json(o.entries.map((e) => e.idempotency_key))
    );
  }
  return app.fetch(req, info);
});
services.config.publicBaseUrl = `http://127.0.0.1:${server.addr.port}`;
console.log(`listening http://127.0.0.1:${server.addr.port}`);
