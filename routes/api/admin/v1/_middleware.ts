/** Every admin API call: the org of the Bearer API key, or 401 (lib/access). */
import { adminAuthMiddleware } from "@/lib/access/admin_middleware.ts";

export const handler = adminAuthMiddleware;
