/**
 * Island bundles with esbuild: one entry per island (the component plus the hydrating boot
 * code), shared chunks (Preact) split out and loaded once, content-hashed file names so
 * they can be cached forever. `deno task build` writes them to `_fresh/`; without a build
 * (or when sources changed since) they are built in memory at start-up.
 */
import * as esbuild from "esbuild";
import freshConfig from "@/fresh.config.ts";
import { islandName } from "./islands.ts";

export interface IslandBundles {
  /** Island name → public URL of its entry script. */
  entries: Record<string, string>;
  /** Public path (`/_fresh/js/x.js`) → file bytes. */
  files: Map<string, Uint8Array>;
  /** Source file (relative to root) → SHA-256 of its content when built, for staleness. */
  inputs: Record<string, string>;
}

export const BUNDLE_PREFIX = "/_fresh/js/";

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds every island under `root/islands` (files given relative, `./islands/X.tsx`). */
export async function buildIslands(
  projectRoot: string,
  islandFiles: string[],
  opts: { minify?: boolean } = {},
): Promise<IslandBundles> {
  // esbuild reports normalized paths; so must we, to map its outputs back.
  const root = await Deno.realPath(projectRoot);
  const entryPoints: Record<string, string> = {};
  for (const f of islandFiles) entryPoints[islandName(f)] = `island:${f}`;
  if (islandFiles.length === 0) return { entries: {}, files: new Map(), inputs: {} };

  const clientPath = new URL("./client.ts", import.meta.url).pathname;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: freshConfig.target,
    minify: opts.minify ?? true,
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: `${root}/${BUILD_DIR}/js`,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    metafile: true,
    write: false,
    logLevel: "silent",
    plugins: [{
      name: "island-entries",
      setup(build) {
        // The import map's `@/` alias (deno.json): the project root.
        build.onResolve({ filter: /^@\// }, (args) => ({ path: `${root}/${args.path.slice(2)}` }));
        build.onResolve({ filter: /^island:/ }, (args) => ({
          path: args.path.slice("island:".length),
          namespace: "island",
        }));
        build.onLoad({ filter: /.*/, namespace: "island" }, (args) => ({
          contents:
            `import C from ${JSON.stringify(`${root}/${args.path.replace(/^\.\//, "")}`)};\n` +
            `import { boot } from ${JSON.stringify(clientPath)};\n` +
            `boot(${JSON.stringify(islandName(args.path))}, C);\n`,
          loader: "ts",
          resolveDir: root,
        }));
      },
    }],
  });

  const files = new Map<string, Uint8Array>();
  const outdir = `${root}/${BUILD_DIR}/js/`;
  for (const out of result.outputFiles) {
    files.set(BUNDLE_PREFIX + out.path.slice(outdir.length), out.contents);
  }
  const entries: Record<string, string> = {};
  for (const [outPath, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const name = islandName(meta.entryPoint.replace(/^island:/, ""));
    entries[name] = BUNDLE_PREFIX + outPath.slice(`${BUILD_DIR}/js/`.length);
  }
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.startsWith("island:") || input.includes("node_modules/")) continue;
    const abs = input.startsWith("/") ? input : `${root}/${input}`;
    inputs[input] = await sha256Hex(await Deno.readFile(abs));
  }
  return { entries, files, inputs };
}

/** Stops esbuild's service process (tests call this so no child process leaks). */
export function stopBundler() {
  return esbuild.stop();
}

const BUILD_DIR = freshConfig.buildDir;

/** Writes bundles and `_fresh/islands.json` (what a Deno Deploy build step runs). */
export async function writeBundles(root: string, bundles: IslandBundles) {
  await Deno.remove(`${root}/${BUILD_DIR}/js`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${root}/${BUILD_DIR}/js`, { recursive: true });
  for (const [path, bytes] of bundles.files) {
    await Deno.writeFile(`${root}/${BUILD_DIR}/js/${path.slice(BUNDLE_PREFIX.length)}`, bytes);
  }
  await Deno.writeTextFile(
    `${root}/${BUILD_DIR}/islands.json`,
    JSON.stringify({ entries: bundles.entries, inputs: bundles.inputs }, null, 2),
  );
}

/** Loads a previous build if every source it was built from is unchanged; else null. */
export async function loadBuiltBundles(root: string): Promise<IslandBundles | null> {
  let meta: { entries: Record<string, string>; inputs: Record<string, string> };
  try {
    meta = JSON.parse(await Deno.readTextFile(`${root}/${BUILD_DIR}/islands.json`));
  } catch {
    return null;
  }
  for (const [input, hash] of Object.entries(meta.inputs)) {
    const abs = input.startsWith("/") ? input : `${root}/${input}`;
    try {
      if ((await sha256Hex(await Deno.readFile(abs))) !== hash) return null;
    } catch {
      return null;
    }
  }
  const files = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(`${root}/${BUILD_DIR}/js`)) {
    files.set(BUNDLE_PREFIX + e.name, await Deno.readFile(`${root}/${BUILD_DIR}/js/${e.name}`));
  }
  return { entries: meta.entries, files, inputs: meta.inputs };
}
