/**
 * PUT /api/admin/v1/orders/{order_number}: create or replace an order of the key's org.
 * Totals are computed here from the lines; totals in the body are not accepted.
 */
import { InvalidInputError } from "@/lib/errors.ts";
import { json, pathParam, readJson } from "@/lib/http/json.ts";
import { OrderInput, OrderNumber } from "@/lib/orders/input.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { adminDefine } from "@/lib/state.ts";

/** The order body; an `order_number` in it is allowed when it matches the URL. */
const OrderBody = OrderInput.extend({ order_number: OrderNumber.optional() });

export const handler = adminDefine.handlers({
  async PUT(ctx) {
    const { adminOrg: org, services } = ctx.state;
    const number = pathParam(ctx.params, "order_number", OrderNumber);
    const { order_number: inBody, ...body } = await readJson(ctx.req, OrderBody);
    if (inBody !== undefined && inBody !== number) {
      throw new InvalidInputError({
        order_number: [`Does not match the order number in the URL (${number}).`],
      });
    }
    const { order, created } = await upsertOrder(
      services.kv,
      org.slug,
      number,
      body,
      services.clock.now(),
    );
    return json(order, created ? 201 : 200);
  },
});
