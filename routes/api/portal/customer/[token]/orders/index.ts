/**
 * GET /api/portal/customer/{token}/orders?status=&cursor=&limit=: the dashboard's data as
 * JSON, `{customer, stats, orders, next_cursor}`. Three point reads and one range read,
 * whatever the number of orders.
 */
import { z } from "zod";
import { fieldsFromZod, MalformedInputError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { customerView, orderSummaryView, PRIVATE_HEADERS } from "@/lib/http/views.ts";
import { ORDER_FILTERS } from "@/lib/orders/model.ts";
import { getStats, MAX_PAGE_SIZE } from "@/lib/orders/order_index.ts";
import { listOrders, validateCursor } from "@/lib/orders/orders.ts";
import { linkDefine } from "@/lib/state.ts";

const Query = z.object({
  status: z.enum(ORDER_FILTERS).default("all"),
  cursor: z.string().min(1).max(400).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
});

export const handler = linkDefine.handlers({
  async GET(ctx) {
    const { access, services } = ctx.state;
    const sp = ctx.url.searchParams;
    // The contract answers bad query values with 400 (not the 422 of bodies).
    const parsed = Query.safeParse({
      status: sp.get("status") ?? undefined,
      cursor: sp.get("cursor") ?? undefined,
      limit: sp.get("limit") ?? undefined,
    });
    if (!parsed.success) {
      throw new MalformedInputError(
        "Some query parameters are invalid.",
        fieldsFromZod(parsed.error.issues),
      );
    }
    const { status, cursor, limit } = parsed.data;
    const org = access.org.slug;
    const ref = access.customer.ref;
    if (cursor) validateCursor(cursor);
    const [stats, page] = await Promise.all([
      getStats(services.kv, org, ref),
      listOrders(services.kv, org, ref, { filter: status, cursor, limit }),
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
  },
});
