/**
 * The portal as the operator starts it (`main.ts` in its own process), for the edge tests
 * that need what the process itself writes or decides at start-up. A production start needs
 * `deno task build`, which writes `_fresh/`: it runs in a copy of the project (once per test
 * file), never in the checkout other tests run from.
 */
import { hasAnyOrg } from "@/lib/orders/orgs.ts";
import { type PortalProcess, startPortalProcess } from "@/tests/helpers/portal_process.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** What a checkout holds that a copy does not need. */
const SKIP = new Set([".git", "node_modules", "_fresh", "data", "test-artifacts"]);

let built: Promise<string> | undefined;

/** A built copy of the project (its folder), made once per test file. */
export function builtProject(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "portal-edge-" });
    async function copy(from: string, to: string) {
      await Deno.mkdir(to, { recursive: true });
      for await (const e of Deno.readDir(from)) {
        if (from === root && SKIP.has(e.name)) continue;
        if (e.isDirectory) await copy(`${from}/${e.name}`, `${to}/${e.name}`);
        else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
      }
    }
    await copy(root, dir);
    await Deno.symlink(`${root}/node_modules`, `${dir}/node_modules`);
    const out = await new Deno.Command("deno", { args: ["task", "build"], cwd: dir }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return dir;
  })();
  return built;
}

export interface StartedPortal extends PortalProcess {
  /** The KV file this start used (read it after `stop()`). */
  kvPath: string;
}

/**
 * `main.ts` of the built copy with exactly `env` (plus a fresh KV file and PORT=0): nothing
 * of this process's environment leaks in, as an operator's empty shell would start it.
 */
export async function startPortal(env: Record<string, string>): Promise<StartedPortal> {
  const cwd = await builtProject();
  const kvPath = `${await Deno.makeTempDir({ prefix: "portal-edge-kv-" })}/portal.kv`;
  const portal = await startPortalProcess({
    cwd,
    env: { KV_PATH: kvPath, ...env },
    clearEnv: true,
  });
  return { ...portal, kvPath };
}

/** Whether the KV file holds any org (the demo seeds one). */
export async function hasData(kvPath: string): Promise<boolean> {
  const kv = await Deno.openKv(kvPath);
  try {
    return await hasAnyOrg(kv);
  } finally {
    kv.close();
  }
}
