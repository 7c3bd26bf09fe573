/**
 * `deno task build`: what a Deno Deploy build step runs. Regenerates the route manifest and
 * writes content-hashed, minified island bundles to `_fresh/`, which the server then serves
 * (in production it refuses to start without them: Deno Deploy cannot run esbuild).
 */
import { buildIslands, stopBundler, writeBundles, writeManifest } from "fresh/dev";

const root = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
if (await writeManifest(root)) console.log("fresh.gen.ts regenerated.");
const manifest = (await import("./fresh.gen.ts")).default;
const bundles = await buildIslands(root, Object.keys(manifest.islands));
await writeBundles(root, bundles);
await stopBundler();
let total = 0;
for (const bytes of bundles.files.values()) total += bytes.length;
console.log(
  `Built ${
    Object.keys(bundles.entries).length
  } islands, ${bundles.files.size} files, ${total} bytes in _fresh/.`,
);
