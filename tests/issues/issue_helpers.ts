/**
 * Issue tests on real KV, with the real route files of this feature. Access is
 * set by a stand-in middleware from test headers (`x-test-customer: org/ref`,
 * `x-test-admin-org: slug`), so these tests do not depend on the link-token and API-key
 * middlewares; tests/issues/portal_test.ts drives the same routes through the real portal.
 */
import { App } from "fresh";
import { loadBuildCache, type Manifest, setBuildCache } from "fresh/internal";
import { LinkInvalidError } from "@/lib/access/tokens.ts";
import { appState } from "@/lib/app.ts";
import { UnauthorizedError } from "@/lib/errors.ts";
import { handleErrors } from "@/lib/http/error_middleware.ts";
import { portalEdge } from "@/lib/http/edge.ts";
import { getCustomer, upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg, getOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import type { Locale } from "@/lib/orders/model.ts";
import { define, type State } from "@/lib/state.ts";
import * as reportRoute from "@/routes/api/portal/customer/[token]/orders/[order_id]/report-issue.ts";
import * as listRoute from "@/routes/api/admin/v1/tickets/index.ts";
import * as ticketRoute from "@/routes/api/admin/v1/tickets/[ticket_number]/index.ts";
import * as photoRoute from "@/routes/api/admin/v1/tickets/[ticket_number]/photos/[n].ts";
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "@/tests/helpers/server.ts";

const standIn = define.middleware(async (ctx) => {
  const { kv } = ctx.state.services;
  ctx.state.locale = "en";
  const who = ctx.req.headers.get("x-test-customer");
  if (who) {
    const [org, ref] = who.split("/");
    const o = await getOrg(kv, org);
    const c = await getCustomer(kv, org, ref);
    if (o && c) ctx.state.access = { org: o, customer: c, tokenHash: "test", token: "t" };
  }
  const admin = ctx.req.headers.get("x-test-admin-org");
  if (admin) ctx.state.adminOrg = (await getOrg(kv, admin)) ?? undefined;
  const lang = ctx.url.searchParams.get("lang");
  if (lang === "es" || lang === "pl" || lang === "en") ctx.state.locale = lang as Locale;
  // What the real middlewares guarantee their routes, refused as they refuse it.
  const path = ctx.url.pathname;
  if (path.startsWith("/api/portal/customer/") && !ctx.state.access) throw new LinkInvalidError();
  if (path.startsWith("/api/admin/") && !ctx.state.adminOrg) {
    throw new UnauthorizedError("Send an org API key as a Bearer token.");
  }
  return await ctx.next();
});

/** The feature's real route files, behind the portal's error path and the stand-in access. */
export const manifest: Manifest = {
  routes: {
    "./routes/_middleware.ts": { default: [handleErrors, standIn] },
    "./routes/api/portal/customer/[token]/orders/[order_id]/report-issue.ts": reportRoute,
    "./routes/api/admin/v1/tickets/index.ts": listRoute,
    "./routes/api/admin/v1/tickets/[ticket_number]/index.ts": ticketRoute,
    "./routes/api/admin/v1/tickets/[ticket_number]/photos/[n].ts": photoRoute,
  },
  islands: {},
  baseUrl: new URL("../fixtures/app/fresh.gen.ts", import.meta.url).href,
};

/** The issue routes as one handler on these services (as the portal builds its own). */
export async function issueApp(services: Services) {
  const app = new App<State>().use(appState(services)).fsRoutes();
  setBuildCache(app, await loadBuildCache(manifest, { mode: "development" }));
  return portalEdge(app.handler(), services.config);
}

export const NOW = new Date("2026-01-16T12:00:00Z");

/** Org `acme` with customers A (`CUST-A`, order ORD-A1) and B (`CUST-B`, order ORD-B1). */
export async function seed(services: Services): Promise<void> {
  const kv = services.kv;
  await createOrg(kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, NOW);
  for (const [ref, order] of [["CUST-A", "ORD-A1"], ["CUST-B", "ORD-B1"]]) {
    await upsertCustomer(kv, "acme", ref, {
      name: `Customer ${ref}`,
      email: `${ref.toLowerCase()}@example.com`,
      locale: "en",
    }, NOW);
    await upsertOrder(kv, "acme", order, {
      customer_ref: ref,
      order_date: "2026-01-10",
      delivery_date: "2026-01-18",
      status: "delivered",
      currency: "USD",
      delivery_address: "1 Main St",
      lines: [{ item_code: "X-1", description: "Widget", qty_ordered: "2", unit_price: "3.50" }],
    }, NOW);
  }
}

export async function startIssueServer(opts: TestServerOptions = {}): Promise<TestServer> {
  return await startTestServer({
    app: issueApp,
    ...opts,
    setup: async (s) => {
      await seed(s);
      await opts.setup?.(s);
    },
  });
}

export const reportPath = (order = "ORD-A1", lang = "") =>
  `/api/portal/customer/test-token/orders/${order}/report-issue${lang ? `?lang=${lang}` : ""}`;

export const asA = { "x-test-customer": "acme/CUST-A" };
export const asB = { "x-test-customer": "acme/CUST-B" };
export const asAdmin = { "x-test-admin-org": "acme" };

// --- Files -------------------------------------------------------------------------------

export const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const JPEG_SIG = [0xff, 0xd8, 0xff, 0xe0];
export const PDF_SIG = [...new TextEncoder().encode("%PDF-1.7\n")];

/** `size` bytes starting with `sig`, the rest pseudo-random (and so distinct per seed). */
export function fileBytes(sig: number[], size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  out.set(sig.slice(0, size));
  return out;
}

export interface FormInput {
  issue_type?: string;
  description?: string;
  contact_email?: string;
  contact_phone?: string;
  idempotency_key?: string;
  files?: Array<{ name: string; bytes: Uint8Array; type?: string }>;
}

export const GOOD: FormInput = {
  issue_type: "damaged",
  description: "Two pallets arrived crushed.",
  contact_email: "ops@retailstore.example",
};

export function form(input: FormInput): FormData {
  const fd = new FormData();
  for (
    const k of [
      "issue_type",
      "description",
      "contact_email",
      "contact_phone",
      "idempotency_key",
    ] as const
  ) {
    if (input[k] !== undefined) fd.append(k, input[k]!);
  }
  for (const f of input.files ?? []) {
    fd.append(
      "photos",
      new File([f.bytes as BlobPart], f.name, { type: f.type ?? "application/octet-stream" }),
    );
  }
  return fd;
}

export async function post(
  server: TestServer,
  input: FormInput,
  headers: Record<string, string> = asA,
  path = reportPath(),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await server.fetch(path, { method: "POST", body: form(input), headers });
  return { status: res.status, body: await res.json() };
}

export async function readBytes(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}
