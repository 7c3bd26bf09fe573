/**
 * Headless Debian Chromium driven by playwright-core. Never downloads a browser: the
 * executable is /usr/bin/chromium (CHROMIUM_PATH overrides), installed by .ci/run.
 */
import { type Browser, chromium } from "playwright-core";

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

/** Runs axe-core with WCAG 2.1 A/AA rules and returns the violations (empty when clean). */
// deno-lint-ignore no-explicit-any
export async function axeViolations(page: any): Promise<Array<{ id: string; help: string; nodes: unknown[] }>> {
  // Evaluated over the DevTools protocol, so the page's CSP (no inline scripts) still holds.
  await page.evaluate(await axeSource());
  return await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    // deno-lint-ignore no-explicit-any
    return result.violations.map((v: any) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n: any) => n.target),
    }));
  });
}
