/**
 * GET /api/portal/customer/{token}/orders?status=&cursor=: the dashboard's data as JSON,
 * `{customer, stats, orders, next_cursor}`. Three point reads and one range read, whatever
 * the number of orders.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/framework/types.ts";
import { fieldsFromZod, HttpError } from "@/lib/http/errors.ts";
import { json } from "@/lib/http/json.ts";
import {
  customerView,
  linkAccess,
  orderSummaryView,
  PRIVATE_HEADERS,
  storeErrorToHttp,
} from "@/lib/orders/api.ts";
import { ORDER_FILTERS } from "@/lib/orders/model.ts";
import { getStats, listOrders, MAX_PAGE_SIZE, validateCursor } from "@/lib/orders/store.ts";

const Query = z.object({
  status: z.enum(ORDER_FILTERS).default("all"),
  cursor: z.string().min(1).max(400).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
});

export const handler: Handlers = {
  async GET(ctx) {
    const access = linkAccess(ctx);
    const sp = ctx.url.searchParams;
    const parsed = Query.safeParse({
      status: sp.get("status") ?? undefined,
      cursor: sp.get("cursor") ?? undefined,
      limit: sp.get("limit") ?? undefined,
    });
    if (!parsed.success) {
      throw new HttpError(
        400,
        "bad_request",
        "Some query parameters are invalid.",
        fieldsFromZod(parsed.error.issues),
      );
    }
    const { status, cursor, limit } = parsed.data;
    const { kv } = ctx.services;
    const org = access.org.slug;
    const ref = access.customer.ref;
    try {
      if (cursor) validateCursor(cursor);
      const [stats, page] = await Promise.all([
        getStats(kv, org, ref),
        listOrders(kv, org, ref, { filter: status, cursor, limit }),
      ]);
      return json(
        {
          customer: customerView(access.customer),
          stats,
          orders: page.orders.map(orderSummaryView),
          next_cursor: page.next_cursor,
        },
        200,
        PRIVATE_HEADERS,
      );
    } catch (err) {
      storeErrorToHttp(err);
    }
  },
};
