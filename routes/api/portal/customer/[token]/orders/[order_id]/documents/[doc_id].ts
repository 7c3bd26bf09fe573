/** Order documents for the customer: one PDF, or `all` as a ZIP (lib/documents). */
import type { Handlers } from "@/lib/framework/types.ts";
import { downloadDocument } from "@/lib/documents/handlers.ts";

export const handler: Handlers = {
  GET: downloadDocument,
};
