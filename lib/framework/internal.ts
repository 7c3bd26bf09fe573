/**
 * `fresh/internal`: how a server entry hands the app its build, as Fresh 2's generated
 * `_fresh/server.js` does with `setBuildCache`. Ours loads the build at start-up from the
 * generated manifest (`fresh.gen.ts`) and `_fresh/`.
 */
export { setBuildCache } from "./app.ts";
export {
  type BuildCache,
  BuildError,
  type IslandBundles,
  loadBuildCache,
  type Manifest,
  type Mode,
} from "./build_cache.ts";
export { NONCE_SYMBOL } from "./context.ts";
