/**
 * A portal over real HTTP with the demo seed and a working customer link, for the page and
 * browser tests. Uses the real token middleware and link creation when they exist
 * (lib/access/tokens.ts createLink); otherwise (early in the build) a stand-in middleware that grants the demo
 * customer to one fixed token, so the pages can be tested on their own.
 */
import { manifest } from "@/lib/app.ts";
import type { Manifest, Middleware, RouteContext } from "@/lib/framework/types.ts";
import { getCustomer, getOrg } from "@/lib/orders/store.ts";
import { renderLinkInvalidPage } from "@/lib/pages/link_error.tsx";
import { seedDemoData } from "@/lib/seed/demo.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import type { Services } from "@/lib/services.ts";
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "@/tests/helpers/server.ts";

export interface Portal extends TestServer {
  /** Path of the demo customer's dashboard, e.g. `/customer/mp_…`. */
  dashboard: string;
  token: string;
  /** True when the real token middleware and links are in use (not the stand-in). */
  realAccess: boolean;
  /** Dashboard path of a working link for another customer of the demo org. */
  linkFor(ref: string): Promise<string>;
}

const MIDDLEWARE = "./routes/customer/[token]/_middleware.ts";
const API_MIDDLEWARE = "./routes/api/portal/customer/[token]/_middleware.ts";
const STAND_IN_PREFIX = "standin.";

/** Grants customer REF of the demo org to `standin.REF`; anything else is an invalid link. */
const standIn: Middleware = async (ctx: RouteContext) => {
  const token = ctx.params.token;
  if (!token.startsWith(STAND_IN_PREFIX)) return renderLinkInvalidPage(ctx, undefined);
  const { kv } = ctx.services;
  const [org, customer] = await Promise.all([
    getOrg(kv, DEMO_ORG.slug),
    getCustomer(kv, DEMO_ORG.slug, token.slice(STAND_IN_PREFIX.length)),
  ]);
  if (!org || !customer) return renderLinkInvalidPage(ctx, undefined);
  ctx.state.access = { org, customer, token, tokenHash: "stand-in" };
  const res = await ctx.next();
  res.headers.set("cache-control", "no-store");
  return res;
};

type LinkCreator = (services: Services, ref: string) => Promise<string>;

/** The real link creation, once lib/access provides it. */
async function realLinkCreator(): Promise<LinkCreator | null> {
  if (!(MIDDLEWARE in (manifest as unknown as Manifest).routes)) return null;
  try {
    const mod = await import("@/lib/access/tokens.ts");
    const create = mod.createLink as (
      s: Services,
      org: string,
      ref: string,
    ) => Promise<{ url: string }>;
    return async (s, ref) => (await create(s, DEMO_ORG.slug, ref)).url;
  } catch {
    return null;
  }
}

export async function startPortal(opts: TestServerOptions = {}): Promise<Portal> {
  const creator = await realLinkCreator();
  const base = manifest as unknown as Manifest;
  const m: Manifest = creator ? base : {
    ...base,
    routes: {
      ...base.routes,
      [MIDDLEWARE]: { handler: standIn },
      [API_MIDDLEWARE]: { handler: standIn },
    },
  };
  const linkPath = async (services: Services, ref: string) => {
    const link = creator ? await creator(services, ref) : `/customer/${STAND_IN_PREFIX}${ref}`;
    return link.startsWith("http") ? new URL(link).pathname : link;
  };
  let path = "";
  const server = await startTestServer({
    ...opts,
    // These tests are about the pages; the rate limit has its own tests (lib/access).
    env: { RATE_LIMIT_PER_HOUR: "100000", ...opts.env },
    manifest: m,
    setup: async (services) => {
      await seedDemoData(services);
      path = await linkPath(services, DEMO_CUSTOMER.ref);
      await opts.setup?.(services);
    },
  });
  return {
    ...server,
    realAccess: creator !== null,
    dashboard: path,
    token: decodeURIComponent(path.split("/")[2]),
    linkFor: (ref) => linkPath(server.services, ref),
  };
}
