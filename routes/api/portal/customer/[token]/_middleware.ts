/** Every JSON answer under a magic link: rate limit, link check, `ctx.state.access`. */
import { linkAccessMiddleware } from "@/lib/access/middleware.ts";

export const handler = linkAccessMiddleware("api");
