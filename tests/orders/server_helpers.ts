/**
 * The real portal over real HTTP and real KV for the order API tests, with helpers that
 * issue an org API key and a magic link the way an operator would (lib/access).
 */
import { createApiKey } from "@/lib/access/api_keys.ts";
import { createLink } from "@/lib/access/tokens.ts";
import type { OrgInput } from "@/lib/orders/input.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";

export interface OrdersServer extends TestServer {
  /** Creates an org (support contact filled in). */
  org(slug: string): Promise<void>;
  /** A new org API key for `org`. */
  adminKey(org: string): Promise<string>;
  /** A new magic-link token for the customer (who must exist). */
  linkToken(org: string, ref: string): Promise<string>;
}

export async function startOrdersServer(env: Record<string, string> = {}): Promise<OrdersServer> {
  // The fuzz test makes hundreds of requests under one link.
  const server = await startTestServer({ env: { RATE_LIMIT_PER_HOUR: "100000", ...env } });
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
    async adminKey(org) {
      return (await createApiKey(kv, org, server.clock.now())).key;
    },
    async linkToken(org, ref) {
      return (await createLink(server.services, org, ref, {})).token;
    },
  };
}
