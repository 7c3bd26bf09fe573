import type { Context } from "./context.ts";

/** A middleware: answers, or calls `ctx.next()` and may change what comes back. */
export type Middleware<State> = (ctx: Context<State>) => Response | Promise<Response>;
/** Fresh 2's alias. */
export type MiddlewareFn<State> = Middleware<State>;
