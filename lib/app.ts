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
import { createLink } from "./access/tokens.ts";
import type { Customer, Org } from "./orders/model.ts";

/** The root middleware: every request's State starts with the services, and no headers yet. */
export function appState(services: Services) {
  return define.middleware((ctx) => {
    ctx.state.services = services;
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
  const app = new App<State>()
    .use(requestLog)
    .use(staticFiles())
    .use(appState(services))
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
 * Status emails carry a button to the order page. Tokens are stored only as hashes, so the
 * customer's existing link cannot be rebuilt: each email gets a link of its own, which
 * `link revoke` ends together with the others.
 */
async function trackingEmailLink(services: Services, org: Org, customer: Customer, order: string) {
  const { url } = await createLink(services, org.slug, customer.ref);
  return `${url}/orders/${encodeURIComponent(order)}`;
}

/**
 * Registers queue handlers, starts the KV queue listener and the cron jobs. Returns when
 * they are registered; the listener runs until the KV handle is closed.
 */
export function startBackgroundWork(services: Services, opts: { cron?: boolean } = {}): void {
  // Handlers first: a message delivered before its handler exists would be dead-lettered.
  registerEmailHandlers();
  registerIssueJobs(services, { cron: opts.cron ?? true });
  registerTrackingJobs(services, { cron: opts.cron ?? true, orderLink: trackingEmailLink });
  startQueueListener(services).catch((err) => log.error("queue listener stopped", { err }));
}
