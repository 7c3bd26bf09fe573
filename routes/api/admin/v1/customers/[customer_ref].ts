/** PUT /api/admin/v1/customers/{customer_ref}: create or replace a customer of the key's org. */
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { CustomerInput, CustomerRef } from "@/lib/orders/input.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async PUT(ctx) {
    const { adminOrg: org, services } = ctx.state;
    const ref = pathParam(ctx.params, "customer_ref", CustomerRef);
    const body = await readJson(ctx.req, CustomerInput);
    const { customer, created } = await upsertCustomer(
      services.kv,
      org.slug,
      ref,
      body,
      services.clock.now(),
    );
    return json(customer, created ? 201 : 200);
  },
});
