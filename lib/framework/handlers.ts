/** Route handlers and `page()`, with Fresh 2's names and shapes. */
import type { Context } from "./context.ts";

export type Method = "HEAD" | "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "OPTIONS";
export const METHODS: readonly Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** What a handler returns to have the route's page rendered with `data`. */
export interface PageResponse<T> {
  data: T;
  headers?: HeadersInit;
  status?: number;
}

/**
 * `return page({ order }, { status: 404 })` renders the route's default export with
 * `props.data.order`, status 404.
 */
export function page<T>(
  data: T,
  options?: { headers?: HeadersInit; status?: number },
): PageResponse<T>;
export function page(): PageResponse<undefined>;
export function page<T>(
  data?: T,
  options?: { headers?: HeadersInit; status?: number },
): PageResponse<T> {
  return { data: data as T, headers: options?.headers, status: options?.status };
}

/** One function for a route: a Response, or page data for the route's component. */
export interface HandlerFn<Data, State> {
  (ctx: Context<State>):
    | Response
    | PageResponse<Data>
    | Promise<Response | PageResponse<Data>>;
}

/** One function per HTTP method; other methods get 405 (HEAD falls back on GET). */
export type HandlerByMethod<Data, State> = { [M in Method]?: HandlerFn<Data, State> };

export type RouteHandler<Data, State> = HandlerFn<Data, State> | HandlerByMethod<Data, State>;

/** The data type a route's handler gives its page. */
export type RouteData<Handler extends RouteHandler<unknown, unknown>> = Handler extends
  RouteHandler<infer Data, unknown> ? Data : never;

export function isHandlerByMethod<D, S>(
  handler: RouteHandler<D, S> | undefined,
): handler is HandlerByMethod<D, S> {
  return handler !== undefined && typeof handler === "object";
}
