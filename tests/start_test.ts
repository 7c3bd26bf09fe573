/** The README's start command, as a process: it serves `/` and `/healthz`, and refuses bad config. */
import assert from "node:assert/strict";
import { startPortalProcess } from "@/tests/helpers/portal_process.ts";

const root = new URL("..", import.meta.url).pathname;

function startPortal(env: Record<string, string>) {
  return startPortalProcess({ cwd: root, env: { DENO_ENV: "development", ...env } });
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
    const dashboard = await fetch(await portal.demoLink());
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
