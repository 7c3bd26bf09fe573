/**
 * The fixture app (tests/fixtures/app, written as Fresh 2's docs write an app) with its build
 * loaded the way a server entry does it, as one request handler for the whole process.
 */
import { loadBuildCache, setBuildCache } from "fresh/internal";
import manifest from "@/tests/fixtures/app/fresh.gen.ts";
import { app } from "@/tests/fixtures/app/main.ts";

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

let handler: Promise<Handler> | undefined;

export function fixtureHandler(): Promise<Handler> {
  handler ??= (async () => {
    setBuildCache(app, await loadBuildCache(manifest, { mode: "development" }));
    return app.handler();
  })();
  return handler;
}
