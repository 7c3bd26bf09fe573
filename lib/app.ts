/**
 * The portal app, as Fresh 2's `main.ts` builds one, plus the background work (queue
 * listener, cron jobs) that `main.ts` starts and tests may start.
 */
import { App, staticFiles } from "fresh";
import {
  type BuildCache,
  type IslandBundles,
  loadBuildCache,
  type Manifest,
  setBuildCache,
} from "fresh/internal";
import manifest from "@/fresh.gen.ts";
import { requestLog } from "@/lib/http/request_log.ts";
import { withSecurityHeaders } from "@/lib/http/security_headers.ts";
import type { Services } from "./services.ts";
import { define, type State } from "./state.ts";
import { registerEmailHandlers } from "./email/mod.ts";
import { log } from "./log.ts";
import { startQueueListener } from "./queue/queue.ts";
import { registerTrackingJobs } from "./tracking/poller.ts";
import { registerIssueJobs } from "./issues/emails.ts";
import { sweepLinkUsage } from "./access/tokens.ts";
import { SWEEP_CRON, sweepDeadLetters } from "./queue/dead_letter_ops.ts";
import { createOidcHelpers, type OidcHelpers, oidcProviderFromConfig } from "./http/oidc.ts";

/**
 * The root middleware: every request's State starts with the services, the staff sign-in
 * helpers (made once, at start-up, from the configuration; null without `OIDC_ISSUER`) and
 * no headers yet.
 */
export function appState(services: Services, oidc: OidcHelpers | null = null) {
  return define.middleware((ctx) => {
    ctx.state.services = services;
    ctx.state.oidc = oidc;
    ctx.state.responseHeaders = new Headers();
    return ctx.next();
  });
}

export interface PortalApp {
  /** `Deno.serve(app.fetch)`, or `await app.fetch(new Request(url))` in tests. */
  fetch: (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
  build: BuildCache;
}

/**
 * The portal for these services. Production needs `deno task build` first (a missing or
 * stale build throws BuildError); development bundles the islands in memory when it must.
 * `islands` reuses bundles already built, `manifest` adds routes (tests).
 */
export async function createPortalApp(
  services: Services,
  opts: { islands?: IslandBundles; manifest?: Manifest } = {},
): Promise<PortalApp> {
  const provider = oidcProviderFromConfig(services.config);
  const oidc = provider ? createOidcHelpers(services, provider) : null;
  const app = new App<State>()
    .use(requestLog)
    .use(staticFiles())
    .use(appState(services, oidc))
    .fsRoutes();
  const build = await loadBuildCache(opts.manifest ?? manifest, {
    mode: services.config.dev ? "development" : "production",
    islands: opts.islands,
  });
  setBuildCache(app, build);
  return { fetch: withSecurityHeaders(app.handler()), build };
}

export { manifest };

/**
 * Registers queue handlers, starts the KV queue listener and the cron jobs. Returns when
 * they are registered; the listener runs until the KV handle is closed.
 */
export function startBackgroundWork(services: Services, opts: { cron?: boolean } = {}): void {
  // Handlers first: a message delivered before its handler exists would be dead-lettered.
  registerEmailHandlers();
  registerIssueJobs(services, { cron: opts.cron ?? true });
  registerTrackingJobs(services, { cron: opts.cron ?? true });
  if (opts.cron ?? true) registerUpkeepJobs(services);
  startQueueListener(services).catch((err) => log.error("queue listener stopped", { err }));
}

let upkeepStarted = false;

/**
 * Hourly: dead letters (KV's raw copies redacted and dated, expired ones removed). Daily: the
 * use counters of links KV has removed (counters take no `expireIn`).
 */
function registerUpkeepJobs(services: Services): void {
  if (upkeepStarted) return;
  upkeepStarted = true;
  Deno.cron("queue-sweep-dead-letters", SWEEP_CRON, async () => {
    const r = await sweepDeadLetters(services);
    if (r.redacted || r.dated || r.removed) log.info("swept dead letters", { ...r });
  });
  Deno.cron("links-sweep-usage-counters", "17 4 * * *", async () => {
    const removed = await sweepLinkUsage(services.kv);
    if (removed) log.info("swept link usage counters", { removed });
  });
}
