/** The README's start command, as a process: it serves `/` and `/healthz`, and refuses bad config. */
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

async function startPortal(env: Record<string, string>) {
  const child = new Deno.Command("deno", {
    args: ["run", "-A", "main.ts"],
    cwd: root,
    env: { PORT: "0", DENO_ENV: "development", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`portal exited before listening:\n${out}`);
    out += value;
    url = out.match(/"listening","url":"(http:\/\/[^"]+)"/)?.[1] ?? "";
  }
  // Keep reading stdout (the demo link follows the listening line).
  const drained = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      out += value;
    }
  })();
  return {
    url,
    output: () => out,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await drained;
      await child.stderr.cancel();
      return status;
    },
  };
}

Deno.test("the start command serves / and /healthz and shuts down on SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  const portal = await startPortal({ KV_PATH: `${dir}/portal.kv` });
  try {
    const home = await fetch(portal.url + "/");
    assert.deepEqual(home.status, 200);
    assert.match(await home.text(), /MonoPilot Customer Portal/);
    const health = await fetch(portal.url + "/healthz");
    assert.deepEqual(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
    // The seeded demo prints a working magic link for Retail Store Co.
    let link = "";
    for (let i = 0; i < 100 && !link; i++) {
      link = portal.output().match(/(http:\/\/\S+\/customer\/mpl_\S+)/)?.[1] ?? "";
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    const dashboard = await fetch(link);
    assert.deepEqual(dashboard.status, 200);
    assert.match(await dashboard.text(), /Retail Store Co\./);
  } finally {
    const status = await portal.stop();
    assert.deepEqual(status.code, 0, "graceful shutdown exits 0");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("invalid configuration stops start-up with one line naming the variable", async () => {
  for (
    const [name, value] of [["PORT", "eighty"], ["RATE_LIMIT_PER_HOUR", "-5"], [
      "PUBLIC_BASE_URL",
      "not a url",
    ]]
  ) {
    const out = await new Deno.Command("deno", {
      args: ["run", "-A", "main.ts"],
      cwd: root,
      env: { [name]: value, KV_PATH: ":memory:" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.deepEqual(out.code, 1, name);
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.deepEqual(err.split("\n").length, 1, `one line: ${err}`);
    assert.match(err, new RegExp(`^Invalid configuration: ${name}: `));
  }
});
