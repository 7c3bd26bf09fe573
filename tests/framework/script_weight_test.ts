/**
 * bench/run.ts pageWeight() counts what the order page's browser fetches before any click
 * as initial and Report Issue (hydrated on interaction) with its modal as lazy, missing
 * nothing: every bundle file the page can reach is counted exactly once.
 */
import assert from "node:assert/strict";
import { buildIslands, stopBundler } from "fresh/dev";
import { scriptWeights } from "@/bench/script_weight.ts";
import { startPortal } from "@/tests/helpers/portal.ts";

Deno.test({
  name: "page weight: initial is the runtime, the timeline and Preact; Report Issue is lazy",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal();
    try {
      const html = await (await portal.fetch(`${portal.dashboard}/orders/ORD-008456`)).text();
      const { initial, lazy } = await scriptWeights(
        html,
        async (src) => new Uint8Array(await (await portal.fetch(src)).arrayBuffer()),
      );
      const names = (files: string[]) =>
        files.map((f) => f.replace(/^\/_fresh\/js\//, "").replace(/-[A-Z0-9]+\.js$/, ""));
      assert.deepEqual(names(initial.files).sort(), ["TrackingTimeline", "chunk", "mp-runtime"]);
      assert.deepEqual(names(lazy.files), ["ReportIssue", "chunk"], "its entry, then the modal");
      assert.ok(initial.gzip <= 8 * 1024, `${initial.gzip} B`);
      assert.ok(lazy.gzip > 4 * 1024, `the modal is counted: ${lazy.gzip} B`);
      // Nothing missed: every file of the build is one or the other (this page uses both
      // islands), and none is both.
      const all = [...initial.files, ...lazy.files];
      assert.deepEqual(new Set(all).size, all.length);
      const root = new URL("../..", import.meta.url).pathname;
      const built = await buildIslands(root, [
        "./islands/ReportIssue.tsx",
        "./islands/TrackingTimeline.tsx",
      ]);
      assert.deepEqual(new Set(all), new Set(built.files.keys()));
    } finally {
      await portal.close();
      await stopBundler();
    }
  },
});
