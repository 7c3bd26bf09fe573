/**
 * The Fresh 2 API this portal is written against, on a small layer of our own (JSR, and so
 * `@fresh/core`, cannot be installed here). Imported as `fresh` through deno.json's import
 * map; pointing `fresh` at `jsr:@fresh/core@^2` is the day this folder is deleted. The README
 * lists each export with its Fresh 2 counterpart and the differences.
 */
export { App } from "./app.ts";
export { staticFiles } from "./static_files.ts";
export {
  type HandlerByMethod,
  type HandlerFn,
  type Method,
  page,
  type PageResponse,
  type RouteData,
  type RouteHandler,
} from "./handlers.ts";
export type { Middleware, MiddlewareFn } from "./middleware.ts";
export type { Context, PageProps } from "./context.ts";
export { createDefine, type Define } from "./define.ts";
export { HttpError } from "./error.ts";
