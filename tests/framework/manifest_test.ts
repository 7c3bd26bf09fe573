/** The generated manifest: complete, deterministic, and stale-detected. */
import {
  buildIslands,
  generateManifest,
  isManifestFresh,
  loadBuiltIslands,
  stopBundler,
  writeBundles,
  writeManifest,
} from "fresh/dev";
import { BuildError, loadBuildCache } from "fresh/internal";
import assert from "node:assert/strict";
import { isLazyIsland, registerIslands } from "@/lib/framework/islands.ts";

const fixtureRoot = new URL("../fixtures/app", import.meta.url).pathname;
const projectRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function copyDir(from: string, to: string) {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.name === "_fresh") continue;
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("the committed manifests are up to date", async () => {
  assert(await isManifestFresh(fixtureRoot), "tests/fixtures/app/fresh.gen.ts is stale");
  assert(await isManifestFresh(projectRoot), "fresh.gen.ts is stale: run `deno task manifest`");
});

Deno.test("a new or removed route makes the manifest stale, and --check fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await copyDir(fixtureRoot, dir);
    assert(await isManifestFresh(dir));
    await Deno.writeTextFile(`${dir}/routes/added.tsx`, "export default () => null;\n");
    assert.deepEqual(await isManifestFresh(dir), false);
    const cli = new URL("../../lib/framework/manifest.ts", import.meta.url).pathname;
    const stale = await new Deno.Command("deno", { args: ["run", "-A", cli, "--check", dir] })
      .output();
    assert.deepEqual(stale.code, 1);
    assert.match(new TextDecoder().decode(stale.stderr), /stale/);
    assert.deepEqual(await writeManifest(dir), true);
    assert.match(await Deno.readTextFile(`${dir}/fresh.gen.ts`), /"\.\/routes\/added\.tsx"/);
    const ok = await new Deno.Command("deno", { args: ["run", "-A", cli, "--check", dir] })
      .output();
    assert.deepEqual(ok.code, 0);
    await Deno.remove(`${dir}/routes/added.tsx`);
    assert.deepEqual(await isManifestFresh(dir), false);
    assert.deepEqual(await generateManifest(dir), await generateManifest(dir), "deterministic");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a build is reused until a source it was built from changes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ dir: fixtureRoot + "/.." });
    try {
      await copyDir(fixtureRoot, dir);
      const built = await buildIslands(dir, ["./islands/Counter.tsx"]);
      const names = [...built.files.keys()];
      assert(names.some((n) => /^\/_fresh\/js\/Counter-[A-Z0-9]+\.js$/.test(n)), names.join());
      // One island: its entry (Preact inlined, nothing else shares it) and the runtime.
      assert(names.some((n) => /chunk-[A-Z0-9]+\.js$/.test(n)) || names.length === 2, names.join());
      assert.match(built.lazyLoader ?? "", /^\/_fresh\/js\/mp-runtime-[A-Z0-9]+\.js$/);
      assert(built.files.has(built.lazyLoader!), "the runtime is one of the files");
      await writeBundles(dir, built);
      const loaded = await loadBuiltIslands(dir, ["./islands/Counter.tsx"]);
      assert("bundles" in loaded, "fresh build is loaded");
      assert.deepEqual(loaded.bundles.entries, built.entries);
      assert.deepEqual(loaded.bundles.lazyLoader, built.lazyLoader);
      // The runtime's sources are inputs: a change to the framework's client invalidates too.
      assert(Object.keys(built.inputs).some((i) => i.endsWith("lib/framework/lazy.ts")));
      await Deno.writeTextFile(
        `${dir}/islands/Counter.tsx`,
        (await Deno.readTextFile(`${dir}/islands/Counter.tsx`)).replace("Count", "Total"),
      );
      const stale = await loadBuiltIslands(dir, ["./islands/Counter.tsx"]);
      assert("problem" in stale, "a changed island invalidates the build");
      assert.match(stale.problem, /stale \(islands\/Counter\.tsx changed\)/);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await stopBundler();
    }
  },
});

Deno.test({
  name: "entries are the islands only; a dynamic import's chunk is no island",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // The portal's own islands: ReportIssue imports the modal with `import()`.
    const built = await buildIslands(projectRoot, [
      "./islands/ReportIssue.tsx",
      "./islands/TrackingTimeline.tsx",
    ]);
    try {
      assert.deepEqual(Object.keys(built.entries).sort(), ["ReportIssue", "TrackingTimeline"]);
      const text = (path: string) => new TextDecoder().decode(built.files.get(path));
      const timeline = text(built.entries.TrackingTimeline);
      const report = text(built.entries.ReportIssue);
      // Nothing the timeline loads at start imports the Report Issue entry or the modal.
      const lazy = report.match(/import\("\.\/([^"]+)"\)/)?.[1];
      assert(lazy, "the modal is a dynamic import of the ReportIssue entry");
      assert(!timeline.includes(lazy) && !timeline.includes("ReportIssue-"));
    } finally {
      await stopBundler();
    }
  },
});

Deno.test("an island's hydrate export is load or interaction, nothing else", () => {
  const Island = () => null;
  assert.throws(
    () => registerIslands({ "./islands/Typo.tsx": { default: Island, hydrate: "onclick" } }),
    /Typo\.tsx: export const hydrate must be "load" or "interaction"/,
  );
  registerIslands({ "./islands/Later.tsx": { default: Island, hydrate: "interaction" } });
  assert(isLazyIsland("Later"));
  registerIslands({ "./islands/Later.tsx": { default: Island } });
  assert(!isLazyIsland("Later"), "without the export it hydrates at load, as in Fresh 2");
});

Deno.test({
  name: "production refuses to start without a current build; development says it bundles",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ dir: fixtureRoot + "/.." });
    try {
      await copyDir(fixtureRoot, dir);
      const manifest = {
        routes: {},
        islands: { "./islands/Counter.tsx": { default: () => null } },
        baseUrl: `file://${dir}/fresh.gen.ts`,
      };
      await assert.rejects(
        () => loadBuildCache(manifest, { mode: "production" }),
        (err) =>
          err instanceof BuildError &&
          /No island build in _fresh\/.*deno task build/.test(err.message),
      );
      const dev = await loadBuildCache(manifest, { mode: "development" });
      assert.deepEqual([dev.builtInMemory, dev.buildProblem], [true, "No island build in _fresh/"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await stopBundler();
    }
  },
});
