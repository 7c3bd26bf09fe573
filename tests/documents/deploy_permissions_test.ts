/**
 * Document workers need nothing beyond Deno Deploy's permission set: a process started with
 * only `--allow-net --allow-env --allow-read --allow-write=<kv folder>` draws the ZIP in a
 * worker, keeps it in KV, and gets the bytes and ETag of drawing in this process.
 */
import { prepareDownload } from "@/lib/documents/download.ts";
import { createDocumentEngine } from "@/lib/documents/generation.ts";
import { assertEquals } from "@/tests/helpers/assert.ts";
import { TestClock } from "@/tests/helpers/server.ts";
import { customer, order, org } from "./fixtures.ts";

const root = new URL("../..", import.meta.url).pathname;

Deno.test("document workers run with Deno Deploy's permissions only", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(":memory:");
  const engine = createDocumentEngine({ workers: 0, maxQueue: 4, memoryBytes: 0, kvTtlMs: 0 });
  try {
    const out = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        `--allow-write=${dir}`,
        "tests/documents/deploy_child.ts",
        dir,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const child = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    const input = { order: order(), org, customer: customer("pl"), locale: "pl" as const };
    const here = await prepareDownload({ kv, clock: new TestClock() }, input, "all", engine);
    const bytes = await here.body() as Uint8Array<ArrayBuffer>;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    assertEquals(
      {
        mode: child.mode,
        started: child.workersStarted,
        failed: child.failed,
        cached: child.cached,
      },
      { mode: "worker", started: 1, failed: 0, cached: 3 + 1 },
    );
    assertEquals(child.etag, here.etag);
    assertEquals(child.sha256, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
  } finally {
    engine.pool.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
