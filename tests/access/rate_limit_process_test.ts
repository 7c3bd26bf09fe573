/** Several server processes sharing one KV file share one exact limit. */
import assert from "node:assert/strict";

const WORKER = new URL("./rate_limit_worker.ts", import.meta.url).pathname;

Deno.test("three processes on one KV file, 90 concurrent requests each: exactly 100 allowed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/shared.kv`;
    // Create the file first so the workers do not race to initialise it.
    (await Deno.openKv(path)).close();
    // A common start a moment ahead, so the processes' bursts overlap.
    const startAt = String(Date.now() + 1500);
    const runs = await Promise.all([0, 1, 2].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-kv", WORKER, path, startAt, "90"],
        stdout: "piped",
        stderr: "piped",
      }).output()
    ));
    let total = 0;
    for (const r of runs) {
      const out = new TextDecoder().decode(r.stdout);
      assert.deepEqual(r.code, 0, new TextDecoder().decode(r.stderr));
      total += JSON.parse(out.trim().split("\n").at(-1)!).allowed;
    }
    assert.deepEqual(total, 100);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
