/**
 * A portal app for the document tests: the real root middleware, document routes and order
 * detail page, with stand-ins for the token and admin-key middlewares (other engineers' work)
 * that set `ctx.state.access` / `ctx.state.adminOrg` the same way. Tokens are a fixed map.
 */
import manifest from "../../fresh.gen.ts";
import type { Manifest, Middleware, RouteModule } from "../../lib/framework/types.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { upsertCustomer, upsertOrder } from "../../lib/orders/store.ts";
import type { Services } from "../../lib/services.ts";
import { customer, org, wireframeLines } from "./fixtures.ts";

export const TOKENS: Record<string, string> = {
  "tok-retail": "CUST-RS-2026-045",
  "tok-other": "CUST-OTHER-001",
};

const tokenStandIn: Middleware = async (ctx) => {
  const ref = TOKENS[ctx.params.token ?? ""];
  if (!ref) throw new HttpError(401, "link_invalid", "This link is invalid or has expired.");
  ctx.state.access = {
    org,
    customer: customer("pl", {
      ref,
      name: ref === "CUST-OTHER-001" ? "Other Shop" : "Hurtownia Łódź Żółć Śląsk",
    }),
    tokenHash: "x",
    token: ctx.params.token,
  };
  return await ctx.next();
};

const adminStandIn: Middleware = async (ctx) => {
  if (ctx.req.headers.get("authorization") !== "Bearer test-key") {
    throw new HttpError(401, "unauthorized", "Send an org API key as a Bearer token.");
  }
  ctx.state.adminOrg = org;
  return await ctx.next();
};

export function documentsApp(): Manifest {
  const real = manifest as unknown as Manifest;
  const pick = (f: string) => {
    const mod = real.routes[f];
    if (!mod) throw new Error(`${f} is not in fresh.gen.ts`);
    return mod as RouteModule;
  };
  return {
    baseUrl: real.baseUrl,
    islands: real.islands,
    routes: {
      "./routes/_app.tsx": pick("./routes/_app.tsx"),
      "./routes/_404.tsx": pick("./routes/_404.tsx"),
      "./routes/_500.tsx": pick("./routes/_500.tsx"),
      "./routes/_middleware.ts": pick("./routes/_middleware.ts"),
      "./routes/api/portal/customer/[token]/_middleware.ts": { handler: tokenStandIn },
      "./routes/customer/[token]/_middleware.ts": { handler: tokenStandIn },
      "./routes/customer/[token]/orders/[order_id].tsx": pick(
        "./routes/customer/[token]/orders/[order_id].tsx",
      ),
      "./routes/api/admin/_middleware.ts": { handler: adminStandIn },
      "./routes/api/portal/customer/[token]/orders/[order_id]/documents/[doc_id].ts": pick(
        "./routes/api/portal/customer/[token]/orders/[order_id]/documents/[doc_id].ts",
      ),
      "./routes/api/admin/v1/orders/[order_number]/documents/[doc_id].ts": pick(
        "./routes/api/admin/v1/orders/[order_number]/documents/[doc_id].ts",
      ),
    },
  };
}

export async function seed(services: Services) {
  const now = new Date("2026-01-15T10:30:00Z");
  for (const ref of Object.values(TOKENS)) {
    await upsertCustomer(services.kv, "acme", ref, {
      name: ref === "CUST-OTHER-001" ? "Other Shop" : "Hurtownia Łódź Żółć Śląsk",
      email: "ops@example.com",
      locale: "pl",
    }, now);
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
  await upsertOrder(services.kv, "acme", "ORD-008456", body, now);
  await upsertOrder(
    services.kv,
    "acme",
    "ORD-009999",
    { ...body, customer_ref: "CUST-OTHER-001" },
    now,
  );
}
