/**
 * Headless Debian Chromium driven by playwright-core. Never downloads a browser: the
 * executable is /usr/bin/chromium (CHROMIUM_PATH overrides), installed by .ci/run.
 */
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Where tests keep screenshots and other artefacts (gitignored). */
export async function artifactPath(name: string): Promise<string> {
  const dir = new URL("../../test-artifacts/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  return dir + name;
}

/** axe-core's source, to inject into a page. */
export async function axeSource(): Promise<string> {
  const path = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;
  return await Deno.readTextFile(path);
}

interface AxeResult {
  violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }>;
}

/** Runs axe-core with WCAG 2.1 A/AA rules and returns the violations (empty when clean). */
export async function axeViolations(
  page: Page,
): Promise<Array<{ id: string; help: string; nodes: unknown[] }>> {
  // Evaluated over the DevTools protocol, so the page's CSP (no inline scripts) still holds.
  await page.evaluate(await axeSource());
  const result = await page.evaluate(() => {
    const axe =
      (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> } })
        .axe;
    return axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
  });
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map((n) => n.target),
  }));
}
