/** The customer an admin API path names (`{customer_ref}`), in the API key's org. */
import type { Context } from "fresh";
import { NotFoundError } from "@/lib/errors.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { CustomerRef } from "@/lib/orders/input.ts";
import type { Customer } from "@/lib/orders/model.ts";
import type { AdminState } from "@/lib/state.ts";
import { pathParam } from "./json.ts";

/** The customer, or a 404 (also for a customer of another org); a bad ref is a 422. */
export async function adminCustomer(ctx: Context<AdminState>): Promise<Customer> {
  const ref = pathParam(ctx.params, "customer_ref", CustomerRef);
  const customer = await getCustomer(ctx.state.services.kv, ctx.state.adminOrg.slug, ref);
  if (!customer) throw new NotFoundError(`No customer "${ref}" in this org.`);
  return customer;
}
