/**
 * `POST /api/admin/v1/customers/{customer_ref}/links` `{send_email?}` → 201 `{url, expires_at}`
 * (the only time the URL is shown); `DELETE` revokes every link of the customer → 204.
 * A customer that does not exist in the key's org is a 404.
 */
import { z } from "zod";
import { createLink, revokeLinks } from "@/lib/access/tokens.ts";
import type { Handlers, RouteContext } from "@/lib/framework/types.ts";
import { notFound } from "@/lib/http/errors.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminOrg, pathParam } from "@/lib/orders/api.ts";
import { CustomerRef } from "@/lib/orders/input.ts";
import type { Customer } from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/store.ts";

const LinkRequest = z.strictObject({ send_email: z.boolean().optional() });

async function requireCustomer(ctx: RouteContext): Promise<Customer> {
  const org = adminOrg(ctx);
  const ref = pathParam(ctx, "customer_ref", CustomerRef);
  const customer = await getCustomer(ctx.services.kv, org.slug, ref);
  if (!customer) throw notFound(`No customer "${ref}" in this org.`);
  return customer;
}

export const handler: Handlers = {
  async POST(ctx) {
    const customer = await requireCustomer(ctx);
    // An empty body is `{}`; a body must otherwise be JSON.
    const body = ctx.req.headers.get("content-length") === "0" || !ctx.req.body
      ? {}
      : await readJson(ctx.req, LinkRequest);
    const link = await createLink(ctx.services, customer.org, customer.ref, {
      sendEmail: body.send_email === true,
    });
    // The answer holds a capability URL: never cached anywhere.
    return json({ url: link.url, expires_at: link.expires_at }, 201, {
      "cache-control": "no-store",
      "x-robots-tag": "noindex",
    });
  },
  async DELETE(ctx) {
    const customer = await requireCustomer(ctx);
    await revokeLinks(ctx.services.kv, customer.org, customer.ref, ctx.services.clock.now());
    return new Response(null, { status: 204 });
  },
};
