/**
 * The portal: the generated manifest on the framework layer, plus the background work
 * (queue listener, cron jobs) that `main.ts` starts and tests may start.
 */
import manifest from "../fresh.gen.ts";
import { createApp, type PortalApp } from "./framework/server.ts";
import type { Manifest } from "./framework/types.ts";
import type { Services } from "./services.ts";
import { registerEmailHandlers } from "./email/mod.ts";
import { log } from "./log.ts";
import { startQueueListener } from "./queue/queue.ts";

export function createPortalApp(services: Services): Promise<PortalApp> {
  return createApp({ manifest: manifest as unknown as Manifest, services });
}

export { manifest };

/**
 * Registers queue handlers, starts the KV queue listener and the cron jobs. Returns when
 * they are registered; the listener runs until the KV handle is closed.
 */
export function startBackgroundWork(services: Services, _opts: { cron?: boolean } = {}): void {
  // Handlers first: a message delivered before its handler exists would be dead-lettered.
  registerEmailHandlers();
  startQueueListener(services).catch((err) => log.error("queue listener stopped", { err }));
}
