/** The ERP's own PDF for an order document: served to customers instead of the generated one. */
import type { Handlers } from "@/lib/framework/types.ts";
import {
  deleteUploadedDocument,
  getUploadedDocument,
  uploadDocument,
} from "@/lib/documents/handlers.ts";

export const handler: Handlers = {
  PUT: uploadDocument,
  GET: getUploadedDocument,
  DELETE: deleteUploadedDocument,
};
