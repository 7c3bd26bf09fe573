/** Every page under a magic link: rate limit, link check, `ctx.state.access`. */
export { linkAccess as default } from "@/lib/http/link_access.ts";
