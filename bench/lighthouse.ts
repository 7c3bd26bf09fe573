/**
 * Lighthouse 12 (npm) against pages of a running portal, in its mobile (default) and desktop
 * modes, with the system Chromium headless. Each page is run in a fresh Chromium so that one
 * run's cache does not flatter the next; the scores are Lighthouse's own (0–100).
 */
import lighthouse, { desktopConfig } from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

export type Mode = "mobile" | "desktop";

/** Issue 12's budget: performance ≥ 98, accessibility 100, best practices 100. */
export const LIGHTHOUSE_BUDGET = { performance: 98, accessibility: 100, "best-practices": 100 };
export interface Scores {
  performance: number;
  accessibility: number;
  "best-practices": number;
  /** Audits that lost points, for the report when a budget is missed. */
  failing: string[];
  /** Lighthouse's measure of this machine's CPU (lhr.environment.benchmarkIndex). */
  benchmarkIndex: number;
}

/**
 * The CPU slowdown that makes this machine Lighthouse's mid-tier phone. Lighthouse's 4×
 * assumes a high-end desktop (benchmarkIndex about 1,500); its throttling guide says to
 * calibrate from the benchmarkIndex a report prints, with its calculator's anchor points:
 * 150 → 1×, 800 → 2×, 1,300 → 3×, 1,533 → 4×, 2,000 → 6×, linear between them.
 * (docs/throttling.md, "Calibrating the CPU slowdown"; lighthouse-cpu-throttling-calculator.)
 */
export function calibratedSlowdown(benchmarkIndex: number): number {
  const anchors: [number, number][] = [[150, 1], [800, 2], [1300, 3], [1533, 4], [2000, 6]];
  if (benchmarkIndex <= anchors[0][0]) return 1;
  for (let i = 1; i < anchors.length; i++) {
    const [x0, y0] = anchors[i - 1];
    const [x1, y1] = anchors[i];
    if (benchmarkIndex <= x1) return y0 + ((benchmarkIndex - x0) / (x1 - x0)) * (y1 - y0);
  }
  const [[x0, y0], [x1, y1]] = anchors.slice(-2);
  return y1 + ((benchmarkIndex - x1) / (x1 - x0)) * (y1 - y0);
}

/** Lighthouse 12's mobile network throttling (constants.throttling.mobileSlow4G). */
const MOBILE_NETWORK = {
  rttMs: 150,
  throughputKbps: 1638.4,
  requestLatencyMs: 562.5,
  downloadThroughputKbps: 1474.56,
  uploadThroughputKbps: 675,
};

/** Chromium flags: headless, no sandbox (containers), and no traffic of its own. */
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--no-first-run",
  "--no-default-browser-check",
  "--metrics-recording-only",
];

/** `cpuSlowdown` replaces mobile mode's 4× (desktop mode does not slow the CPU). */
export async function runLighthouse(
  url: string,
  mode: Mode,
  cpuSlowdown?: number,
): Promise<Scores> {
  const chrome = await chromeLauncher.launch({
    chromePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    chromeFlags: CHROME_FLAGS,
    logLevel: "silent",
  });
  try {
    const result = await lighthouse(
      url,
      {
        port: chrome.port,
        output: "json",
        logLevel: "error",
        onlyCategories: ["performance", "accessibility", "best-practices"],
        ...(mode === "mobile" && cpuSlowdown !== undefined
          ? { throttling: { ...MOBILE_NETWORK, cpuSlowdownMultiplier: cpuSlowdown } }
          : {}),
      },
      mode === "desktop" ? desktopConfig : undefined,
    );
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    const { categories, audits } = result.lhr;
    const score = (id: string) => Math.round((categories[id]?.score ?? 0) * 100);
    const failing = Object.values(categories).flatMap((c) =>
      c.auditRefs
        .filter((r) => r.weight > 0)
        .map((r) => audits[r.id])
        .filter((a) => a.score !== null && a.score < 1)
        .map((a) => `${c.id}:${a.id} (${a.displayValue ?? a.score})`)
    );
    return {
      performance: score("performance"),
      accessibility: score("accessibility"),
      "best-practices": score("best-practices"),
      failing,
      benchmarkIndex: result.lhr.environment.benchmarkIndex,
    };
  } finally {
    await chrome.kill();
  }
}

if (import.meta.main) {
  const [url, mode = "mobile", slowdown] = Deno.args;
  const scores = await runLighthouse(url, mode as Mode, slowdown ? Number(slowdown) : undefined);
  console.log(JSON.stringify(scores, null, 2));
}
