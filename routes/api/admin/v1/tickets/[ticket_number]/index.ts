/** `GET /api/admin/v1/tickets/{ticket_number}`: one ticket with its photo URLs. */
import type { Handlers } from "@/lib/framework/types.ts";
import { getTicketApi } from "@/lib/issues/handlers.ts";

export const handler: Handlers = {
  GET: getTicketApi,
};
