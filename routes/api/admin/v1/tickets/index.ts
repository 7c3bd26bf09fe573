/** `GET /api/admin/v1/tickets`: the org's support tickets, newest first, cursor-paged. */
import type { Handlers } from "@/lib/framework/types.ts";
import { listTicketsApi } from "@/lib/issues/handlers.ts";

export const handler: Handlers = {
  GET: listTicketsApi,
};
