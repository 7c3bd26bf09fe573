/**
 * PUT /api/admin/v1/orders/{order_number}: create or replace an order of the key's org.
 * Totals are computed here from the lines; totals in the body are not accepted.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { HttpError } from "@/lib/http/errors.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminOrg, pathParam, storeErrorToHttp } from "@/lib/orders/api.ts";
import { OrderInput, OrderNumber } from "@/lib/orders/input.ts";
import { upsertOrder } from "@/lib/orders/store.ts";

/** The order body; an `order_number` in it is allowed when it matches the URL. */
const OrderBody = OrderInput.extend({ order_number: OrderNumber.optional() });

export const handler: Handlers = {
  async PUT(ctx) {
    const org = adminOrg(ctx);
    const number = pathParam(ctx, "order_number", OrderNumber);
    const { order_number: inBody, ...body } = await readJson(ctx.req, OrderBody);
    if (inBody !== undefined && inBody !== number) {
      throw new HttpError(422, "validation_failed", "Some fields are invalid.", {
        order_number: [`Does not match the order number in the URL (${number}).`],
      });
    }
    const { order, created } = await upsertOrder(
      ctx.services.kv,
      org.slug,
      number,
      body,
      ctx.services.clock.now(),
    ).catch(storeErrorToHttp);
    return json(order, created ? 201 : 200);
  },
};
