/**
 * The portal (or another app) for tests, on test services (tests/helpers/services.ts) and
 * captured log lines. Requests go in-process through the app's handler (`app.fetch(new
 * Request(…))`); `listen: true` serves it on a real socket instead, for browsers and raw
 * connections. `close()` stops it and closes KV.
 */
import { createPortalApp, startBackgroundWork } from "@/lib/app.ts";
import type { IslandBundles } from "fresh/internal";
import { setLogSink } from "@/lib/log.ts";
import { makeTestServices, type TestClock, type TestServices } from "./services.ts";

export { TestClock } from "./services.ts";

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

export interface TestServer {
  /** The origin links and emails point at (a real one with `listen`). */
  url: string;
  services: TestServices;
  clock: TestClock;
  /** Every log line written while this server ran (shared sink). */
  logs: string[];
  /** A path on this server (or an absolute URL of it); redirects are never followed. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const logs: string[] = [];
let sinkInstalled = false;

/** The island bundles every portal in this process shares (built once, in memory). */
let islands: Promise<IslandBundles> | undefined;

export interface TestServerOptions {
  env?: Record<string, string>;
  kvPath?: string;
  clock?: TestClock;
  /** Another app on these services (framework fixtures); defaults to the portal. */
  app?: (services: TestServices) => Promise<Handler>;
  /** Serve on 127.0.0.1 (browsers, raw sockets); otherwise requests stay in-process. */
  listen?: boolean;
  /** With `listen`: the address to bind (`0.0.0.0` to be reached from another address). */
  hostname?: string;
  /** Start the queue listener and handlers (cron is never started in tests). */
  background?: boolean;
  /** Runs before the first request (seed data here). */
  setup?: (services: TestServices) => Promise<void> | void;
}

async function portalHandler(services: TestServices): Promise<Handler> {
  const first = !islands;
  if (first) {
    const built = createPortalApp(services).then((a) => ({ app: a, bundles: a.build.islands }));
    islands = built.then((b) => b.bundles);
    return (await built).app.fetch;
  }
  return (await createPortalApp(services, { islands: await islands })).fetch;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  if (!sinkInstalled) {
    setLogSink((line) => logs.push(line));
    sinkInstalled = true;
  }
  const services = await makeTestServices({
    env: opts.env,
    kvPath: opts.kvPath,
    clock: opts.clock,
  });
  const handler = await (opts.app ?? portalHandler)(services);
  let url = "http://portal.test";
  let server: Deno.HttpServer | undefined;
  if (opts.listen) {
    server = Deno.serve(
      { hostname: opts.hostname ?? "127.0.0.1", port: 0, onListen() {} },
      handler,
    );
    const { port } = server.addr as Deno.NetAddr;
    url = `http://127.0.0.1:${port}`;
    services.config.PORT = port;
  }
  // Links and emails must point at this server.
  services.config.publicBaseUrl = url;
  await opts.setup?.(services);
  if (opts.background) startBackgroundWork(services, { cron: false });
  const toUrl = (path: string) => (/^https?:\/\//.test(path) ? path : url + path);
  return {
    url,
    services,
    clock: services.clock,
    logs,
    fetch: server
      ? (path, init) => fetch(toUrl(path), { redirect: "manual", ...init })
      : (path, init) => handler(new Request(toUrl(path), init)),
    async close() {
      await server?.shutdown();
      services.close();
      // Let the queue listener settle after KV closes.
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}
