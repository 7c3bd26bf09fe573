/**
 * Entry point: `deno task start`. Reads configuration once, opens Deno KV, seeds the demo on
 * an empty database (in development unless SEED_DEMO=0; in production only with SEED_DEMO=1),
 * serves the portal and runs its background work. Every line the process writes is a line
 * of the one logger (lib/log.ts), but the contract's demo link and start-up's refusals.
 */
import { BuildError } from "fresh/internal";
import { ConfigError, loadConfig } from "@/lib/config.ts";
import { createPortalApp, type PortalApp, startBackgroundWork } from "@/lib/app.ts";
import { captureProcessOutput, log, printError, printLine } from "@/lib/log.ts";
import { seedDemo } from "@/lib/seed/demo.ts";
import { type Services, systemClock } from "@/lib/services.ts";

captureProcessOutput();

let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (err) {
  if (err instanceof ConfigError) {
    printError(err.message);
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
    printError(err.message);
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
    log.info("listening", { url: `http://${host}:${port}`, environment: config.DENO_ENV });
  },
  // The edge answers every error itself; this is for the runtime's own failures.
  onError: (err) => {
    log.error("server error", { err });
    return new Response("Something went wrong on our side.", { status: 500 });
  },
}, app.fetch);

// SEED_DEMO is resolved by loadConfig: on unless production, or set explicitly.
if (config.SEED_DEMO === "1") {
  const link = await seedDemo(services);
  // The contract asks for the demo link on stdout: a developer's terminal, not the log.
  if (link) printLine(`Demo data loaded. Open the demo customer's portal:\n  ${link}`);
  else {
    printLine(
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
