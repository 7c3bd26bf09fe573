import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { buildIslands, stopBundler } from "fresh/dev";
const files = [...Deno.readDirSync("islands")].map((e) => `./islands/${e.name}`);
const b = await buildIslands(Deno.cwd(), files);
for (const [p, bytes] of b.files) console.log(p, bytes.length, gzipSync(bytes).length);
const chunk = [...b.files.entries()].find(([p]) => p.includes("TrackingTimeline"));
if (chunk) { const s = new TextDecoder().decode(chunk[1]); console.log(s.slice(0, 300)); console.log("...", s.length); Deno.writeTextFileSync("/tmp/chunk.js", s); }
await stopBundler(); void esbuild;
