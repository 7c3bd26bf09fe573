/**
 * What `fsRoutes()` serves from, built once at start-up: the generated manifest (routes and
 * islands, statically imported, so a deploy never scans the file system), the island bundles
 * and an index of `static/`. Fresh 2 keeps the same things in its build output (`_fresh/`).
 *
 * Island bundles come from `deno task build` (`_fresh/islands.json` and `_fresh/js/`), checked
 * against the SHA-256 of every source they were built from. A missing or stale build is a
 * start-up error in production; in development it is bundled in memory with esbuild instead
 * (and `builtInMemory` says so), which needs permission to run esbuild's binary.
 */
import { islandName, registerIslands } from "./islands.ts";
import { indexStaticFiles, type StaticFile } from "./static_files.ts";

export interface IslandBundles {
  /** Island name → public URL of its entry script. */
  entries: Record<string, string>;
  /** URL of the loader of hydrate-on-interaction islands (`client.ts`); null: no islands. */
  lazyLoader: string | null;
  /** Public path (`/_fresh/js/x.js`) → file bytes. */
  files: Map<string, Uint8Array>;
  /** Source file (relative to root) → SHA-256 of its content when built, for staleness. */
  inputs: Record<string, string>;
}

/** What `fresh.gen.ts` exports: every routes/ and islands/ module, statically imported. */
export interface Manifest {
  routes: Record<string, object>;
  islands: Record<string, { default: unknown }>;
  baseUrl: string;
}

export type Mode = "development" | "production";

export interface BuildCache {
  root: string;
  mode: Mode;
  manifest: Manifest;
  islands: IslandBundles;
  /** URL path (`/styles.css`) → file facts, for `staticFiles()` and `asset()`. */
  staticFiles: Map<string, StaticFile>;
  /** True when the islands were bundled at start-up because `_fresh/` was missing or stale. */
  builtInMemory: boolean;
  /** Why `_fresh/` was not used, when it was not. */
  buildProblem?: string;
}

/** A production start without a usable `deno task build`. */
export class BuildError extends Error {}

export const BUILD_DIR = "_fresh";
export const BUNDLE_PREFIX = "/_fresh/js/";

export function projectRoot(manifest: Manifest): string {
  return new URL(".", manifest.baseUrl).pathname.replace(/\/$/, "");
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Loads everything `fsRoutes()` needs. `islands` skips the lookup (tests share one build).
 * Throws BuildError in production when `_fresh/` is missing, incomplete or stale.
 */
export async function loadBuildCache(
  manifest: Manifest,
  opts: { mode: Mode; islands?: IslandBundles },
): Promise<BuildCache> {
  const root = projectRoot(manifest);
  registerIslands(manifest.islands);
  const files = Object.keys(manifest.islands);
  let islands = opts.islands;
  let builtInMemory = false;
  let buildProblem: string | undefined;
  if (!islands) {
    const built = await loadBuiltIslands(root, files);
    if ("bundles" in built) islands = built.bundles;
    else {
      buildProblem = built.problem;
      if (opts.mode === "production") {
        throw new BuildError(`${built.problem}: run \`deno task build\` before starting.`);
      }
      const { buildIslandsOnce } = await import("./builder.ts");
      islands = await buildIslandsOnce(root, files);
      builtInMemory = true;
    }
  }
  const staticFiles = await indexStaticFiles(`${root}/static`);
  return { root, mode: opts.mode, manifest, islands, staticFiles, builtInMemory, buildProblem };
}

/** A previous build if it covers every island and no source changed since; else why not. */
export async function loadBuiltIslands(
  root: string,
  islandFiles: string[],
): Promise<{ bundles: IslandBundles } | { problem: string }> {
  if (islandFiles.length === 0) {
    return { bundles: { entries: {}, lazyLoader: null, files: new Map(), inputs: {} } };
  }
  let meta: {
    entries: Record<string, string>;
    lazyLoader?: string;
    inputs: Record<string, string>;
  };
  try {
    meta = JSON.parse(await Deno.readTextFile(`${root}/${BUILD_DIR}/islands.json`));
  } catch {
    return { problem: `No island build in ${BUILD_DIR}/` };
  }
  const missing = islandFiles.find((f) => !meta.entries?.[islandName(f)]);
  if (missing) return { problem: `The build in ${BUILD_DIR}/ has no bundle for ${missing}` };
  if (!meta.lazyLoader) return { problem: `The build in ${BUILD_DIR}/ has no lazy loader` };
  for (const [input, hash] of Object.entries(meta.inputs ?? {})) {
    const abs = input.startsWith("/") ? input : `${root}/${input}`;
    let now: string | null = null;
    try {
      now = await sha256Hex(await Deno.readFile(abs));
    } catch { /* removed since */ }
    if (now !== hash) return { problem: `The build in ${BUILD_DIR}/ is stale (${input} changed)` };
  }
  const files = new Map<string, Uint8Array>();
  try {
    for await (const e of Deno.readDir(`${root}/${BUILD_DIR}/js`)) {
      files.set(BUNDLE_PREFIX + e.name, await Deno.readFile(`${root}/${BUILD_DIR}/js/${e.name}`));
    }
  } catch {
    return { problem: `The build in ${BUILD_DIR}/js is unreadable` };
  }
  return {
    bundles: { entries: meta.entries, lazyLoader: meta.lazyLoader, files, inputs: meta.inputs },
  };
}
