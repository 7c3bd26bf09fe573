/**
 * Entry point: `deno task start`. Reads configuration once, opens Deno KV, seeds the demo on
 * an empty database (unless SEED_DEMO=0), serves the portal and runs its background work.
 */
import { BuildError } from "fresh/internal";
import { ConfigError, loadConfig } from "@/lib/config.ts";
import { createPortalApp, type PortalApp, startBackgroundWork } from "@/lib/app.ts";
import { log } from "@/lib/log.ts";
import { seedDemo } from "@/lib/seed/demo.ts";
import { type Services, systemClock } from "@/lib/services.ts";

let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    Deno.exit(1);
  }
  throw err;
}

const kvPath = config.kvPath;
if (kvPath && kvPath !== ":memory:" && !/^https?:\/\//.test(kvPath) && kvPath.includes("/")) {
  await Deno.mkdir(kvPath.replace(/\/[^/]*$/, "") || "/", { recursive: true });
}
const kv = await Deno.openKv(kvPath);
const services: Services = { kv, config, clock: systemClock };

let app: PortalApp;
try {
  app = await createPortalApp(services);
} catch (err) {
  // Production without `deno task build`: one clear line, not a failed esbuild subprocess.
  if (err instanceof BuildError) {
    console.error(err.message);
    Deno.exit(1);
  }
  throw err;
}
if (app.build.builtInMemory) {
  log.warn("island bundles built in memory (development)", {
    why: app.build.buildProblem,
    hint: "run `deno task build` for a production start",
  });
}
// Crons must be registered at start-up (Deno Deploy reads them then).
startBackgroundWork(services, { cron: true });

const server = Deno.serve({
  port: config.PORT,
  onListen: ({ hostname, port }) => {
    const host = hostname === "0.0.0.0" ? "localhost" : hostname;
    // With PORT=0 the port is known only now; links must carry it.
    if (!config.PUBLIC_BASE_URL) config.publicBaseUrl = `http://${host}:${port}`;
    log.info("listening", { url: `http://${host}:${port}` });
  },
}, app.fetch);

if (config.SEED_DEMO === "1") {
  const link = await seedDemo(services);
  // The contract asks for the demo link on stdout: a developer's terminal, not the log.
  if (link) console.log(`Demo data loaded. Open the demo customer's portal:\n  ${link}`);
  else {
    console.log(
      "Database already has data; for a new demo link run:\n" +
        "  deno task admin link create --org acme --customer CUST-RS-2026-045",
    );
  }
}

const shutdown = async () => {
  log.info("shutting down");
  await server.shutdown();
  kv.close();
  Deno.exit(0);
};
// Deno Deploy manages the process itself and has no signal listeners.
try {
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
} catch { /* not supported on this platform */ }
