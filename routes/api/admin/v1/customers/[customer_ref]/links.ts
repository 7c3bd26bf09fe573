/**
 * `POST /api/admin/v1/customers/{customer_ref}/links` `{send_email?}` → 201 `{url, expires_at}`
 * (the only time the URL is shown); `DELETE` revokes every link of the customer → 204.
 * A customer that does not exist in the key's org is a 404.
 */
import { z } from "zod";
import type { Context } from "fresh";
import { createLink, revokeLinks } from "@/lib/access/tokens.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { CustomerRef } from "@/lib/orders/input.ts";
import type { Customer } from "@/lib/orders/model.ts";
import { adminDefine, type AdminState } from "@/lib/state.ts";

const LinkRequest = z.strictObject({ send_email: z.boolean().optional() });

async function requireCustomer(ctx: Context<AdminState>): Promise<Customer> {
  const ref = pathParam(ctx.params, "customer_ref", CustomerRef);
  const customer = await getCustomer(ctx.state.services.kv, ctx.state.adminOrg.slug, ref);
  if (!customer) throw new NotFoundError(`No customer "${ref}" in this org.`);
  return customer;
}

export const handler = adminDefine.handlers({
  async POST(ctx) {
    const customer = await requireCustomer(ctx);
    // An empty body is `{}`; a body must otherwise be JSON.
    const body = ctx.req.headers.get("content-length") === "0" || !ctx.req.body
      ? {}
      : await readJson(ctx.req, LinkRequest);
    const link = await createLink(ctx.state.services, customer.org, customer.ref, {
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
    const { kv, clock } = ctx.state.services;
    await revokeLinks(kv, customer.org, customer.ref, clock.now());
    return new Response(null, { status: 204 });
  },
});
