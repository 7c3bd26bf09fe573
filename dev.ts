/**
 * `deno task dev`: regenerates the route manifest, then starts the portal. `--watch` restarts
 * the process when routes, lib, components or static files change, and island bundles are
 * rebuilt in memory on start (development only), so edits show on the next reload.
 */
import { writeManifest } from "fresh/dev";

const root = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
await writeManifest(root);
// A stale `_fresh/` build would be ignored anyway (sources are hash-checked); skip the check.
await Deno.remove(`${root}/_fresh`, { recursive: true }).catch(() => {});
await import("./main.ts");
