/**
 * A portal over real HTTP and real KV for the order API tests, with helpers that issue an
 * org API key and a magic link the way an operator would.
 */
import manifest from "../../fresh.gen.ts";
import type { Manifest, Middleware } from "../../lib/framework/types.ts";
import { HttpError } from "../../lib/http/errors.ts";
import type { OrgInput } from "../../lib/orders/input.ts";
import { createOrg, getCustomer, getOrg } from "../../lib/orders/store.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

export interface OrdersServer extends TestServer {
  /** Creates an org (support contact filled in). */
  org(slug: string): Promise<void>;
  /** A new org API key for `org`. */
  adminKey(org: string): Promise<string>;
  /** A new magic-link token for the customer. */
  linkToken(org: string, ref: string): Promise<string>;
}

// Stand-ins for the access middlewares until lib/access lands: they set the same state.
const apiKeys = new Map<string, string>();
const tokens = new Map<string, { org: string; ref: string }>();

const adminStandIn: Middleware = async (ctx) => {
  const auth = ctx.req.headers.get("authorization") ?? "";
  const org = apiKeys.get(auth.replace(/^Bearer /, ""));
  const record = org ? await getOrg(ctx.services.kv, org) : null;
  if (!record) throw new HttpError(401, "unauthorized", "Send an org API key as a Bearer token.");
  ctx.state.adminOrg = record;
  return await ctx.next();
};

const tokenStandIn: Middleware = async (ctx) => {
  const t = tokens.get(ctx.params.token ?? "");
  const org = t ? await getOrg(ctx.services.kv, t.org) : null;
  const customer = t && org ? await getCustomer(ctx.services.kv, t.org, t.ref) : null;
  if (!org || !customer) {
    throw new HttpError(
      401,
      "link_invalid",
      "This customer portal link is invalid or has expired.",
    );
  }
  ctx.state.access = { org, customer, tokenHash: "x", token: ctx.params.token };
  return await ctx.next();
};

function appWithStandIns(): Manifest {
  const real = manifest as unknown as Manifest;
  return {
    ...real,
    routes: {
      ...real.routes,
      "./routes/api/admin/v1/_middleware.ts": { handler: adminStandIn },
      "./routes/api/portal/customer/[token]/_middleware.ts": { handler: tokenStandIn },
    },
  };
}

export async function startOrdersServer(): Promise<OrdersServer> {
  const server = await startTestServer({ manifest: appWithStandIns() });
  const { kv } = server.services;
  return {
    ...server,
    async org(slug) {
      const input: OrgInput = {
        slug,
        name: `${slug.toUpperCase()} Manufacturing`,
        support_email: `sales@${slug}.example`,
        support_phone: "(555) 123-4567",
      };
      await createOrg(kv, input, server.clock.now());
    },
    adminKey(org) {
      const key = `key-${crypto.randomUUID()}`;
      apiKeys.set(key, org);
      return Promise.resolve(key);
    },
    linkToken(org, ref) {
      const token = `tok-${crypto.randomUUID()}`;
      tokens.set(token, { org, ref });
      return Promise.resolve(token);
    },
  };
}
