/**
 * A real portal over real HTTP for tests: `:memory:` KV (or a given file), a settable clock,
 * captured log lines. `close()` stops the server and closes KV.
 */
import { createPortalApp, startBackgroundWork } from "@/lib/app.ts";
import { loadConfig } from "@/lib/config.ts";
import { createApp } from "@/lib/framework/server.ts";
import type { Manifest } from "@/lib/framework/types.ts";
import { setLogSink } from "@/lib/log.ts";
import type { Clock, Services } from "@/lib/services.ts";

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(public current = new Date("2026-01-16T12:00:00Z")) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(iso: string) {
    this.current = new Date(iso);
  }
}

export interface TestServer {
  url: string;
  services: Services;
  clock: TestClock;
  /** Every log line written while this server ran (shared sink). */
  logs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const logs: string[] = [];
let sinkInstalled = false;

export interface TestServerOptions {
  env?: Record<string, string>;
  kvPath?: string;
  clock?: TestClock;
  /** Another app (framework fixtures); defaults to the portal. */
  manifest?: Manifest;
  /** Start the queue listener and handlers (cron is never started in tests). */
  background?: boolean;
  /** Runs before the server starts listening (seed data here). */
  setup?: (services: Services) => Promise<void> | void;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  if (!sinkInstalled) {
    setLogSink((line) => logs.push(line));
    sinkInstalled = true;
  }
  const config = loadConfig({
    DENO_ENV: "test",
    KV_PATH: opts.kvPath ?? ":memory:",
    PORT: "0",
    SEED_DEMO: "0",
    ...opts.env,
  });
  const kv = await Deno.openKv(config.kvPath);
  const clock = opts.clock ?? new TestClock();
  const services: Services = { kv, config, clock };
  const app = opts.manifest
    ? await createApp({ manifest: opts.manifest, services })
    : await createPortalApp(services);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  // Links and emails must point at this server.
  services.config.publicBaseUrl = url;
  services.config.PORT = server.addr.port;
  await opts.setup?.(services);
  if (opts.background) startBackgroundWork(services, { cron: false });
  return {
    url,
    services,
    clock,
    logs,
    fetch: (path, init) => fetch(url + path, { redirect: "manual", ...init }),
    async close() {
      await server.shutdown();
      kv.close();
      // Let the queue listener settle after KV closes.
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}
