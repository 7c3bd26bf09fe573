/**
 * Started by deploy_parity_test.ts with Deno Deploy's permissions only
 * (`--allow-net --allow-env --allow-read --allow-write=<kv folder>`): a ZIP through a document
 * worker and the KV cache. Prints what the parent compares.
 */
import { prepareDownload } from "@/lib/documents/download.ts";
import { createDocumentEngine } from "@/lib/documents/generation.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { customer, order, org } from "@/tests/documents/order_helpers.ts";
import { makeTestServices, TestClock } from "@/tests/helpers/services.ts";

using services = await makeTestServices({
  kvPath: `${Deno.args[0]}/portal.kv`,
  clock: TestClock.live(),
});
const engine = createDocumentEngine({
  workers: 1,
  maxQueue: 4,
  memoryBytes: 0,
  kvTtlMs: 86_400_000,
});
const input = { order: order(), org, customer: customer("pl"), locale: "pl" as const };
const download = await prepareDownload(services, input, "all", engine);
const bytes = await download.body() as Uint8Array;
let cached = 0;
for await (const _ of services.kv.list({ prefix: ["document_cache"] })) cached++;
console.log(JSON.stringify({
  ...engine.pool.stats(),
  etag: download.etag,
  sha256: await sha256Hex(bytes),
  cached,
}));
engine.pool.close();
