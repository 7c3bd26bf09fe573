/** Report Issue: multipart form → support ticket (lib/issues). */
import type { Handlers } from "@/lib/framework/types.ts";
import { reportIssueApi } from "@/lib/issues/handlers.ts";

export const handler: Handlers = {
  POST: reportIssueApi,
};
