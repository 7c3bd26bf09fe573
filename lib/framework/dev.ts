/**
 * `fresh/dev`: build-time tools (Fresh 2 has its `Builder` and Vite plugin here). Used by
 * `build.ts`, `dev.ts` and tests; never by the server in production.
 */
export { buildIslands, stopBundler, writeBundles } from "./builder.ts";
export { generateManifest, isManifestFresh, writeManifest } from "./manifest.ts";
export { loadBuiltIslands } from "./build_cache.ts";
