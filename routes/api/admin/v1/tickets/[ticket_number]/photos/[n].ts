/** `GET /api/admin/v1/tickets/{ticket_number}/photos/{n}`: one photo, as a download. */
import type { Handlers } from "@/lib/framework/types.ts";
import { ticketPhotoApi } from "@/lib/issues/handlers.ts";

export const handler: Handlers = {
  GET: ticketPhotoApi,
};
