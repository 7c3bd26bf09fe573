/**
 * The portal with the demo seed and a working link for the demo customer, for the page,
 * issue and browser tests (in-process, or `listen: true` for a browser).
 */
import { createLink } from "@/lib/access/tokens.ts";
import { seedDemoData } from "@/lib/seed/demo.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import type { Services } from "@/lib/services.ts";
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "@/tests/helpers/server.ts";

export interface Portal extends TestServer {
  /** Path of the demo customer's dashboard, e.g. `/customer/mpl_…`. */
  dashboard: string;
  token: string;
  /** Dashboard path of a working link for another customer of the demo org. */
  linkFor(ref: string): Promise<string>;
}

async function linkPath(services: Services, ref: string): Promise<string> {
  return new URL((await createLink(services, DEMO_ORG.slug, ref)).url).pathname;
}

export async function startPortal(opts: TestServerOptions = {}): Promise<Portal> {
  let path = "";
  const server = await startTestServer({
    ...opts,
    // These tests are about the pages; the rate limit has its own tests (tests/access).
    env: { RATE_LIMIT_PER_HOUR: "100000", ...opts.env },
    setup: async (services) => {
      await seedDemoData(services);
      path = await linkPath(services, DEMO_CUSTOMER.ref);
      await opts.setup?.(services);
    },
  });
  return {
    ...server,
    dashboard: path,
    token: decodeURIComponent(path.split("/")[2]),
    linkFor: (ref) => linkPath(server.services, ref),
  };
}
