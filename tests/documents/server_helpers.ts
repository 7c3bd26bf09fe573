/**
 * The real portal for the document tests: real HTTP, `:memory:` KV, the real link and
 * admin-key middlewares. Seeds org "acme", two customers with one order each, a magic link
 * per customer and an org API key, issued the way an operator would (lib/access).
 */
import { createApiKey } from "@/lib/access/api_keys.ts";
import { createLink } from "@/lib/access/tokens.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";
import { org, wireframeLines } from "@/tests/documents/order_helpers.ts";

export interface DocumentsServer extends TestServer {
  /** Link tokens: `retail` owns ORD-008456, `other` owns ORD-009999. */
  tokens: { retail: string; other: string; elsewhere: string };
  adminKey: string;
}

export async function startDocumentsServer(
  env: Record<string, string> = {},
  opts: { listen?: boolean } = {},
): Promise<DocumentsServer> {
  const server = await startTestServer({
    env: { RATE_LIMIT_PER_HOUR: "1000", ...env },
    listen: opts.listen,
  });
  const services = server.services;
  const { kv } = services;
  const now = new Date("2026-01-15T10:30:00Z");
  try {
    const { created_at: _c, ...acme } = org;
    await createOrg(kv, acme, now);
    await createOrg(kv, { ...acme, slug: "globex", name: "Globex" }, now);
    const customers: Array<[string, string, string]> = [
      ["acme", "CUST-RS-2026-045", "Hurtownia Łódź Żółć Śląsk"],
      ["acme", "CUST-OTHER-001", "Other Shop"],
      ["globex", "CUST-RS-2026-045", "Same ref, other org"],
    ];
    for (const [o, ref, name] of customers) {
      await upsertCustomer(kv, o, ref, { name, email: "ops@example.com", locale: "pl" }, now);
    }
    const body = {
      customer_ref: "CUST-RS-2026-045",
      order_date: "2026-01-14",
      delivery_date: "2026-01-18",
      status: "shipped" as const,
      currency: "USD",
      delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
      lines: wireframeLines.map(({ line_total: _t, ...l }) => l),
      tax: "0.00",
      invoice_number: "INV-2026-00456",
    };
    await upsertOrder(kv, "acme", "ORD-008456", body, now);
    await upsertOrder(kv, "acme", "ORD-009999", { ...body, customer_ref: "CUST-OTHER-001" }, now);
    await upsertOrder(kv, "globex", "ORD-777777", body, now);
    const token = async (o: string, ref: string) => (await createLink(services, o, ref)).token;
    return {
      ...server,
      tokens: {
        retail: await token("acme", "CUST-RS-2026-045"),
        other: await token("acme", "CUST-OTHER-001"),
        elsewhere: await token("globex", "CUST-RS-2026-045"),
      },
      adminKey: (await createApiKey(kv, "acme", now)).key,
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
