/** Every page under a magic link: rate limit, link check, `ctx.state.access` (lib/access). */
import { linkAccessMiddleware } from "@/lib/access/middleware.ts";

export const handler = linkAccessMiddleware("page");
