/**
 * GET /api/portal/customer/{token}/orders?status=&cursor=&limit=&q=: the dashboard's data as
 * JSON, `{customer, stats, counts, total, total_exact, orders, next_cursor}`. Point reads of
 * the counters and one range read (or, with `q`, a bounded search: lib/orders/search.ts),
 * whatever the number of orders.
 */
import { z } from "zod";
import { fieldsFromZod, MalformedInputError } from "@/lib/errors.ts";
import { json } from "@/lib/http/json.ts";
import { customerView, orderSummaryView, PRIVATE_HEADERS } from "@/lib/http/views.ts";
import { ORDER_FILTERS } from "@/lib/orders/model.ts";
import { getCounts, MAX_PAGE_SIZE, quickStats } from "@/lib/orders/order_index.ts";
import { listOrders, validateCursor } from "@/lib/orders/orders.ts";
import {
  decodeSearchCursor,
  encodeSearchCursor,
  MAX_QUERY_LENGTH,
  normalizeTerm,
  searchOrders,
} from "@/lib/orders/search.ts";
import { linkDefine } from "@/lib/state.ts";

const Query = z.object({
  status: z.enum(ORDER_FILTERS).default("all"),
  cursor: z.string().min(1).max(400).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  q: z.string().max(MAX_QUERY_LENGTH * 4).refine(
    (s) => normalizeTerm(s).length <= MAX_QUERY_LENGTH,
    `At most ${MAX_QUERY_LENGTH} characters.`,
  ).optional(),
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
      q: sp.get("q") ?? undefined,
    });
    if (!parsed.success) {
      throw new MalformedInputError(
        "Some query parameters are invalid.",
        fieldsFromZod(parsed.error.issues),
      );
    }
    const { status, cursor, limit } = parsed.data;
    const q = normalizeTerm(parsed.data.q ?? "");
    const org = access.org.slug;
    const ref = access.customer.ref;
    const size = limit ?? 20;
    let offset = 0;
    if (cursor && q) {
      const o = decodeSearchCursor(cursor);
      if (o === null) {
        throw new MalformedInputError("The cursor is not valid.", {
          cursor: ["The cursor is not valid."],
        });
      }
      offset = o;
    } else if (cursor) validateCursor(cursor);
    const [counts, page] = await Promise.all([
      getCounts(services.kv, org, ref),
      q
        ? searchOrders(services.kv, org, ref, q, { filter: status, offset, limit: size })
          .then((r) => ({
            orders: r.orders,
            total: r.total,
            exact: r.exact,
            next_cursor: offset + size < r.total ? encodeSearchCursor(offset + size) : null,
          }))
        : listOrders(services.kv, org, ref, { filter: status, cursor, limit }),
    ]);
    const total = "total" in page ? page.total : counts[status];
    return json(
      {
        customer: customerView(access.customer),
        stats: quickStats(counts),
        counts,
        total,
        total_exact: "exact" in page ? page.exact : true,
        orders: page.orders.map((o) => orderSummaryView(o, services.clock.now())),
        next_cursor: page.next_cursor,
      },
      200,
      PRIVATE_HEADERS,
    );
  },
});
