/**
 * Deno Deploy parity: a clean copy of the project is built with `deno task build`, then
 * started the way Deploy runs it, with Deploy's permissions only
 * (`--allow-net --allow-env --allow-read --allow-write=<the KV file's folder>`: no
 * subprocess, no FFI, no other write), and walked in Chromium: the dashboard, the order page
 * with its islands hydrated, a PDF, the ZIP and the no-JS report form. Before the build, the
 * same start is refused with one clear line. Under the same permissions, documents are drawn
 * in a Web Worker and kept in KV, with the bytes and ETag of drawing in this process.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { prepareDownload } from "@/lib/documents/download.ts";
import { createDocumentEngine } from "@/lib/documents/generation.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { customer, order, org } from "@/tests/documents/order_helpers.ts";
import { launchBrowser } from "@/tests/helpers/browser.ts";
import { cliDemoLink } from "@/tests/edge/process_helpers.ts";
import { startPortalProcess } from "@/tests/helpers/portal_process.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const ORDER = "ORD-008456";

/** Deno Deploy's permissions: network, environment, reading, and writing the KV folder only. */
function deployPermissions(kvDir: string): string[] {
  return ["--no-prompt", "--allow-net", "--allow-env", "--allow-read", `--allow-write=${kvDir}`];
}
/** What a checkout holds that a deploy does not upload. */
const SKIP = new Set([".git", "node_modules", "_fresh", "data", "test-artifacts"]);

async function copyProject(to: string) {
  async function copy(from: string, dest: string) {
    await Deno.mkdir(dest, { recursive: true });
    for await (const e of Deno.readDir(from)) {
      if (from === root && SKIP.has(e.name)) continue;
      if (e.isDirectory) await copy(`${from}/${e.name}`, `${dest}/${e.name}`);
      else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${dest}/${e.name}`);
    }
  }
  await copy(root, to);
  // The installed npm packages, as Deploy installs them from deno.lock.
  await Deno.symlink(`${root}/node_modules`, `${to}/node_modules`);
}

/** Every file under `dir` but `skip`, with its size and mtime: to prove nothing was written. */
async function snapshot(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    for await (const e of Deno.readDir(d)) {
      const path = `${d}/${e.name}`;
      if (path === skip || e.name === "node_modules") continue;
      if (e.isDirectory) await walk(path);
      else {
        const st = await Deno.lstat(path);
        out.push(`${path} ${st.size} ${st.mtime?.getTime()}`);
      }
    }
  }
  await walk(dir);
  return out.sort();
}

Deno.test({
  name:
    "the built portal serves pages, islands, documents and the report form with Deploy's permissions",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "portal-deploy-" });
    const app = `${tmp}/app`;
    const kvDir = `${tmp}/kv`;
    await Deno.mkdir(kvDir);
    await copyProject(app);
    const start = () =>
      startPortalProcess({
        cwd: app,
        permissions: deployPermissions(kvDir),
        env: { KV_PATH: `${kvDir}/portal.kv`, DENO_ENV: "production", SEED_DEMO: "1" },
      });
    let browser: Browser | undefined;
    try {
      // Without a build: one clear start-up error, no attempt to run esbuild.
      const unbuilt = await new Deno.Command("deno", {
        args: ["run", "--no-prompt", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
        cwd: app,
        env: { KV_PATH: ":memory:", DENO_ENV: "production", SEED_DEMO: "0", PORT: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const why = new TextDecoder().decode(unbuilt.stderr).trim();
      assert.equal(unbuilt.code, 1, why);
      assert.equal(why.split("\n").length, 1, `one line: ${why}`);
      assert.match(why, /No island build in _fresh\/: run `deno task build` before starting\./);

      const build = await new Deno.Command("deno", { args: ["task", "build"], cwd: app }).output();
      assert(build.success, new TextDecoder().decode(build.stderr));
      const before = await snapshot(app, kvDir);

      const portal = await start();
      try {
        // Production prints no link, even for the demo: the operator makes one with the CLI.
        await portal.waitFor(/Demo data loaded; production prints no link/);
        const link = new URL(await cliDemoLink(root, `${kvDir}/portal.kv`));
        const base = portal.url;
        const token = link.pathname.split("/")[2];
        browser = await launchBrowser();
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("pageerror", (e) => problems.push(String(e)));
        page.on("console", (m) => m.type() === "error" && problems.push(m.text()));

        // The dashboard.
        const dash = await page.goto(base + link.pathname);
        assert.equal(dash?.status(), 200);
        assert.match(await page.content(), /Welcome, Retail Store Co\./);

        // The order page, with both islands hydrated from the built bundles.
        const detail = await page.goto(`${base}${link.pathname}/orders/${ORDER}`);
        assert.equal(detail?.status(), 200);
        await page.waitForSelector('mp-island[data-island="TrackingTimeline"][data-hydrated]');
        // Report Issue hydrates on interaction: focusing it loads its built entry.
        await page.getByRole("link", { name: "Report Issue" }).focus();
        await page.waitForSelector('mp-island[data-island="ReportIssue"][data-hydrated]');
        assert.deepEqual(problems, [], "no script error or CSP block");

        // A PDF and the ZIP, as the browser downloads them.
        const docs = `${base}/api/portal/customer/${token}/orders/${ORDER}/documents`;
        const pdf = await page.request.get(`${docs}/invoice`);
        assert.equal(pdf.status(), 200);
        assert.equal(pdf.headers()["content-type"], "application/pdf");
        assert.equal(new TextDecoder().decode((await pdf.body()).subarray(0, 5)), "%PDF-");
        const zip = await page.request.get(`${docs}/all`);
        assert.equal(zip.status(), 200);
        assert.equal(zip.headers()["content-type"], "application/zip");
        assert.deepEqual([...(await zip.body()).subarray(0, 2)], [0x50, 0x4b]); // "PK"

        // The report form without JavaScript: filled in, posted, answered with its ticket.
        const noJs = await browser.newContext({ javaScriptEnabled: false });
        const form = await noJs.newPage();
        await form.goto(`${base}${link.pathname}/orders/${ORDER}/report`);
        await form.selectOption("#ri-issue_type", "damaged");
        await form.fill("#ri-description", "Two pallets arrived crushed at the corner.");
        await form.getByRole("button", { name: "Submit Report" }).click();
        await form.waitForURL(/\?ticket=TKT-\d{4}-\d{6}$/);
        assert.match(await form.content(), /TKT-\d{4}-\d{6}/);
        await noJs.close();
      } finally {
        const status = await portal.stop();
        assert.doesNotMatch(status.stderr, /PermissionDenied|NotCapable|Requires \w+ access/);
      }
      // Nothing was written but the KV file's folder.
      assert.deepEqual(await snapshot(app, kvDir), before);
    } finally {
      await browser?.close();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("document workers run with Deploy's permissions only", async () => {
  const kvDir = await Deno.makeTempDir({ prefix: "portal-deploy-" });
  using services = await makeTestServices();
  const engine = createDocumentEngine({ workers: 0, maxQueue: 4, memoryBytes: 0, kvTtlMs: 0 });
  try {
    // A ZIP through a document worker and the KV cache, in a process with Deploy's permissions.
    const out = await new Deno.Command("deno", {
      args: ["run", ...deployPermissions(kvDir), "tests/deploy/documents_worker.ts", kvDir],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const child = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    // The same ZIP drawn here, in this thread.
    const input = { order: order(), org, customer: customer("pl"), locale: "pl" as const };
    const here = await prepareDownload(services, input, "all", engine);
    const bytes = await here.body() as Uint8Array;
    assert.deepEqual(
      {
        mode: child.mode,
        started: child.workersStarted,
        failed: child.failed,
        cached: child.cached,
      },
      { mode: "worker", started: 1, failed: 0, cached: 3 + 1 },
    );
    assert.equal(child.etag, here.etag);
    assert.equal(child.sha256, await sha256Hex(bytes));
  } finally {
    engine.pool.close();
    await Deno.remove(kvDir, { recursive: true });
  }
});
