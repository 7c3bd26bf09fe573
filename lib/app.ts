/**
 * The portal: the generated manifest on the framework layer, plus the background work
 * (queue listener, cron jobs) that `main.ts` starts and tests may start.
 */
import manifest from "@/fresh.gen.ts";
import { createApp, type PortalApp } from "./framework/server.ts";
import type { Manifest } from "./framework/types.ts";
import type { Services } from "./services.ts";
import { registerEmailHandlers } from "./email/mod.ts";
import { log } from "./log.ts";
import { startQueueListener } from "./queue/queue.ts";
import { registerTrackingJobs } from "./tracking/poller.ts";
import { registerIssueJobs } from "./issues/emails.ts";
import { createLink } from "./access/tokens.ts";
import type { Customer, Org } from "./orders/model.ts";

/**
 * Status emails carry a button to the order page. Tokens are stored only as hashes, so the
 * customer's existing link cannot be rebuilt: each email gets a link of its own, which
 * `link revoke` ends together with the others.
 */
async function trackingEmailLink(services: Services, org: Org, customer: Customer, order: string) {
  const { url } = await createLink(services, org.slug, customer.ref);
  return `${url}/orders/${encodeURIComponent(order)}`;
}

export function createPortalApp(services: Services): Promise<PortalApp> {
  return createApp({ manifest: manifest as unknown as Manifest, services });
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
  registerTrackingJobs(services, { cron: opts.cron ?? true, orderLink: trackingEmailLink });
  startQueueListener(services).catch((err) => log.error("queue listener stopped", { err }));
}
