/** PUT /api/admin/v1/customers/{customer_ref}: create or replace a customer of the key's org. */
import type { Handlers } from "@/lib/framework/types.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminOrg, pathParam, storeErrorToHttp } from "@/lib/orders/api.ts";
import { CustomerInput, CustomerRef } from "@/lib/orders/input.ts";
import { upsertCustomer } from "@/lib/orders/store.ts";

export const handler: Handlers = {
  async PUT(ctx) {
    const org = adminOrg(ctx);
    const ref = pathParam(ctx, "customer_ref", CustomerRef);
    const body = await readJson(ctx.req, CustomerInput);
    const { customer, created } = await upsertCustomer(
      ctx.services.kv,
      org.slug,
      ref,
      body,
      ctx.services.clock.now(),
    ).catch(storeErrorToHttp);
    return json(customer, created ? 201 : 200);
  },
};
