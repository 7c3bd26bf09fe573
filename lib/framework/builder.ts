/**
 * Island bundles with esbuild: one entry per island (the component plus the hydrating boot
 * code), the runtime (`client.ts`: boot and the lazy loader) built first as one file without
 * imports, shared chunks (Preact) split out and loaded once, content-hashed file names so they
 * can be cached forever. `deno task build` writes them to `_fresh/`; in development, without
 * a current build, they are built in memory at start-up. Never imported in production: the
 * build cache loads this module only when it must bundle.
 */
import * as esbuild from "esbuild";
import { BUILD_DIR, BUNDLE_PREFIX, type IslandBundles, sha256Hex } from "./build_cache.ts";
import { islandName } from "./islands.ts";

/** The runtime's file name; a hyphen, so no island's name (`islandName`) can take it. */
const RUNTIME_ENTRY = "mp-runtime";

/** Browsers the island bundles must run in (phones included). */
const TARGET = ["es2020", "chrome90", "safari14", "firefox90"];

/** Builds every island under `root/islands` (files given relative, `./islands/X.tsx`). */
export async function buildIslands(
  projectRoot: string,
  islandFiles: string[],
  opts: { minify?: boolean } = {},
): Promise<IslandBundles> {
  // esbuild reports normalized paths; so must we, to map its outputs back.
  const root = await Deno.realPath(projectRoot);
  if (islandFiles.length === 0) {
    return { entries: {}, lazyLoader: null, files: new Map(), inputs: {} };
  }
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: TARGET,
    minify: opts.minify ?? true,
    outdir: `${root}/${BUILD_DIR}/js`,
    entryNames: "[name]-[hash]",
    metafile: true,
    write: false,
    logLevel: "silent",
  } as const;
  // The runtime first, built alone: one file with no imports, which island entries import
  // and a page with a hydrate-on-interaction island loads by itself (as a shared entry of
  // the islands' build it would be a stub plus chunks: more files, more bytes).
  const clientPath = new URL("./client.ts", import.meta.url).pathname;
  const runtime = await esbuild.build({
    ...common,
    entryPoints: { [RUNTIME_ENTRY]: clientPath },
  });
  const runtimeFile = runtime.outputFiles[0].path.replace(/^.*\//, "");

  const entryPoints: Record<string, string> = {};
  for (const f of islandFiles) entryPoints[islandName(f)] = `island:${f}`;
  const result = await esbuild.build({
    ...common,
    entryPoints,
    splitting: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    chunkNames: "chunk-[hash]",
    plugins: [{
      name: "island-entries",
      setup(build) {
        // Entries sit next to the runtime's file.
        build.onResolve({ filter: /^mp:runtime$/ }, () => ({
          path: `./${runtimeFile}`,
          external: true,
        }));
        // The import map's `@/` alias (deno.json): the project root.
        build.onResolve({ filter: /^@\// }, (args) => ({ path: `${root}/${args.path.slice(2)}` }));
        build.onResolve({ filter: /^island:/ }, (args) => ({
          path: args.path.slice("island:".length),
          namespace: "island",
        }));
        build.onLoad({ filter: /.*/, namespace: "island" }, (args) => ({
          contents:
            `import C from ${JSON.stringify(`${root}/${args.path.replace(/^\.\//, "")}`)};\n` +
            `import { h, hydrate } from "preact";\n` +
            `import { boot } from "mp:runtime";\n` +
            `boot(${JSON.stringify(islandName(args.path))}, C, h, hydrate);\n`,
          loader: "ts",
          resolveDir: root,
        }));
      },
    }],
  });

  const files = new Map<string, Uint8Array>();
  const outdir = `${root}/${BUILD_DIR}/js/`;
  for (const out of [...runtime.outputFiles, ...result.outputFiles]) {
    files.set(BUNDLE_PREFIX + out.path.slice(outdir.length), out.contents);
  }
  const entries: Record<string, string> = {};
  for (const [outPath, meta] of Object.entries(result.metafile.outputs)) {
    // Chunks of a dynamic `import()` carry an entryPoint too; they are no island.
    if (!meta.entryPoint?.startsWith("island:")) continue;
    entries[islandName(meta.entryPoint.slice("island:".length))] = BUNDLE_PREFIX +
      outPath.slice(`${BUILD_DIR}/js/`.length);
  }
  const lazyLoader = BUNDLE_PREFIX + runtimeFile;
  const inputs: Record<string, string> = {};
  const allInputs = { ...runtime.metafile.inputs, ...result.metafile.inputs };
  for (const input of Object.keys(allInputs)) {
    if (input.startsWith("island:") || input.includes("node_modules/")) continue;
    const abs = input.startsWith("/") ? input : `${root}/${input}`;
    inputs[input] = await sha256Hex(await Deno.readFile(abs));
  }
  return { entries, lazyLoader, files, inputs };
}

const inMemory = new Map<string, Promise<IslandBundles>>();

/** `buildIslands` once per project root and process (tests start many apps). */
export function buildIslandsOnce(root: string, islandFiles: string[]): Promise<IslandBundles> {
  const key = `${root}\n${islandFiles.join("\n")}`;
  let built = inMemory.get(key);
  if (!built) {
    built = buildIslands(root, islandFiles);
    inMemory.set(key, built);
  }
  return built;
}

/** Stops esbuild's service process (tests call this so no child process leaks). */
export function stopBundler(): Promise<void> {
  return esbuild.stop();
}

/** Writes bundles and `_fresh/islands.json` (what a Deno Deploy build step runs). */
export async function writeBundles(root: string, bundles: IslandBundles) {
  await Deno.remove(`${root}/${BUILD_DIR}/js`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${root}/${BUILD_DIR}/js`, { recursive: true });
  for (const [path, bytes] of bundles.files) {
    await Deno.writeFile(`${root}/${BUILD_DIR}/js/${path.slice(BUNDLE_PREFIX.length)}`, bytes);
  }
  await Deno.writeTextFile(
    `${root}/${BUILD_DIR}/islands.json`,
    JSON.stringify(
      { entries: bundles.entries, lazyLoader: bundles.lazyLoader, inputs: bundles.inputs },
      null,
      2,
    ),
  );
}
