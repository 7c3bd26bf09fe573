/**
 * A server PROCESS for the crash and memory tests: the issue routes (issue_helpers.ts)
 * on a KV file from KV_PATH, seeded once, with the real queue and email handlers. It prints
 * `listening <url>` and serves `/__memory` (its own Deno.memoryUsage()) for the memory test.
 */
import { setLogSink } from "@/lib/log.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { makeTestServices, TestClock } from "@/tests/helpers/services.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { registerIssueHandlers } from "@/lib/issues/emails.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { issueApp, seed } from "@/tests/issues/issue_helpers.ts";

setLogSink(() => {}); // keep the pipe quiet; the test reads only the listening line
// Real time: this process runs against a KV file that outlives it.
const services = await makeTestServices({
  kvPath: Deno.env.get("KV_PATH"),
  clock: TestClock.live(),
  // These tests send many reports from one link and address: the daily bounds are not theirs.
  env: {
    REPORT_CONFIRMATIONS_PER_LINK_PER_DAY: "1000",
    REPORT_CONFIRMATIONS_PER_ADDRESS_PER_DAY: "1000",
    PHOTO_QUOTA_MB_PER_DAY: "100000",
    PHOTO_QUOTA_FILES_PER_DAY: "10000",
  },
});
const kv = services.kv;
if (!(await getOrg(kv, "acme"))) await seed(services);
const handler = await issueApp(services);
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
  return handler(req, info);
});
services.config.publicBaseUrl = `http://127.0.0.1:${server.addr.port}`;
console.log(`listening http://127.0.0.1:${server.addr.port}`);
