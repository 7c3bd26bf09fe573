/**
 * Run by deploy_permissions_test.ts under Deno Deploy's permission set only
 * (`--allow-net --allow-env --allow-read --allow-write=<kv folder>`): a ZIP through a document
 * worker and the KV cache. Prints what the parent compares.
 */
import { prepareDownload } from "@/lib/documents/download.ts";
import { createDocumentEngine } from "@/lib/documents/generation.ts";
import { systemClock } from "@/lib/services.ts";
import { customer, order, org } from "./fixtures.ts";

const kv = await Deno.openKv(`${Deno.args[0]}/portal.kv`);
const engine = createDocumentEngine({
  workers: 1,
  maxQueue: 4,
  memoryBytes: 0,
  kvTtlMs: 86_400_000,
});
const input = { order: order(), org, customer: customer("pl"), locale: "pl" as const };
const download = await prepareDownload({ kv, clock: systemClock }, input, "all", engine);
const bytes = await download.body() as Uint8Array<ArrayBuffer>;
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
let cached = 0;
for await (const _ of kv.list({ prefix: ["document_cache"] })) cached++;
console.log(JSON.stringify({
  ...engine.pool.stats(),
  etag: download.etag,
  sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
  cached,
}));
engine.pool.close();
kv.close();
