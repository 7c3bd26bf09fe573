/**
 * `App`, as Fresh 2's: `new App<State>().use(staticFiles()).use(mw).fsRoutes()`, then
 * `app.handler()` for `Deno.serve` or in-process tests.
 *
 * `fsRoutes()` takes the routes of the build cache (the generated manifest) with Fresh 2's
 * rules: every folder of `routes/` is a segment with its `_middleware` (one or an array), its
 * `_layout` and its `_error`; a request runs the segments from the root down to the route's
 * folder, and an error thrown below a folder with an `_error` renders that page (with
 * `ctx.error` set, status from an `HttpError` or 500). `_app` is the one document shell.
 * Requests that match no route run the root segment and end in `HttpError(404)`; a matched
 * path with a method the route lacks ends in `HttpError(405)` carrying `Allow`.
 */
import { h } from "preact";
import type { BuildCache } from "./build_cache.ts";
import { Context, getInternals, pageProps, type RouteComponent } from "./context.ts";
import { HttpError } from "./error.ts";
import {
  type HandlerFn,
  isHandlerByMethod,
  type Method,
  METHODS,
  type PageResponse,
  type RouteHandler,
} from "./handlers.ts";
import type { Middleware } from "./middleware.ts";
import {
  compareSpecificity,
  folderOf,
  foldersDown,
  patternFromFile,
  RouteTable,
} from "./router.ts";

interface RouteDef<State> {
  handler?: RouteHandler<unknown, State>;
  component?: RouteComponent<State>;
}

interface Segment<State> {
  layout: RouteComponent<State> | null;
  errorRoute: RouteDef<State> | null;
  middlewares: Middleware<State>[];
}

interface Route<State> {
  pattern: string;
  methods: Set<Method>;
  def: RouteDef<State>;
  segments: Segment<State>[];
}

/** In-process requests (tests) come from loopback, as if through a local proxy. */
const DEFAULT_INFO: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  completed: Promise.resolve(),
};

export let setBuildCache: <S>(app: App<S>, cache: BuildCache) => void;

export class App<State> {
  #middlewares: Middleware<State>[] = [];
  #fsRoutes = false;
  #build: BuildCache | null = null;

  static {
    setBuildCache = (app, cache) => app.#build = cache;
  }

  /** Adds middlewares that run for every request, before the file routes' own. */
  use(...middleware: Middleware<State>[]): this {
    this.#middlewares.push(...middleware);
    return this;
  }

  /** Serves the routes, middlewares, layouts and error pages of `routes/`. */
  fsRoutes(): this {
    this.#fsRoutes = true;
    return this;
  }

  /** The request handler: `Deno.serve(app.handler())`, or `await handler(new Request(url))`. */
  handler(): (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
    const build = this.#build;
    if (!build) {
      throw new Error("No build cache: setBuildCache(app, await loadBuildCache(manifest)) first.");
    }
    const { root, routes, app } = this.#fsRoutes
      ? compileRoutes<State>(build.manifest.routes)
      : { root: emptySegment<State>(), routes: [], app: null };
    const rootSegment: Segment<State> = {
      ...root,
      middlewares: [...this.#middlewares, ...root.middlewares],
    };
    const table = new RouteTable<Route<State>>();
    for (const r of routes) {
      r.segments[0] = rootSegment;
      table.add(r.pattern, r);
    }

    return async (req, info = DEFAULT_INFO) => {
      const url = new URL(req.url);
      const method = req.method.toUpperCase() as Method;
      const found = table.match(url.pathname);
      const matched = found?.value;
      let params: Record<string, string> | null = found ? decodeParams(found.params) : {};
      let segments = [rootSegment];
      let final: (ctx: Context<State>) => Promise<Response>;
      if (matched && params && matched.methods.has(method)) {
        segments = matched.segments;
        const def = matched.def;
        final = (ctx) => renderRoute(ctx, def);
      } else {
        const error = !matched
          ? new HttpError(404)
          : !params
          ? new HttpError(400, "The URL is not valid.")
          : methodNotAllowed(matched.methods);
        params = {};
        final = () => Promise.reject(error);
      }
      const ctx = new Context<State>(req, url, info, matched?.pattern ?? null, params, {
        app,
        layouts: [],
        build,
      });
      let res: Response;
      try {
        res = await runSegments(ctx, segments, 0, final);
      } catch (err) {
        ctx.error = err;
        res = defaultErrorResponse(err);
      }
      if (method !== "HEAD") return res;
      await res.body?.cancel().catch(() => {});
      return new Response(null, res);
    };
  }
}

function emptySegment<State>(): Segment<State> {
  return { layout: null, errorRoute: null, middlewares: [] };
}

function decodeParams(raw: Record<string, string>): Record<string, string> | null {
  const out: Record<string, string> = {};
  try {
    for (const k in raw) out[k] = decodeURIComponent(raw[k]);
  } catch {
    return null;
  }
  return out;
}

function methodNotAllowed(methods: Set<Method>): HttpError {
  const allow = [...methods].join(", ");
  return new HttpError(405, `Use ${allow}.`, { headers: { allow } });
}

type RouteModule<State> = {
  handler?: RouteHandler<unknown, State> | Middleware<State> | Middleware<State>[];
  handlers?: RouteHandler<unknown, State>;
  default?: unknown;
};

function compileRoutes<State>(files: Record<string, object>) {
  const segments = new Map<string, Segment<State>>();
  const segment = (folder: string) => {
    let s = segments.get(folder);
    if (!s) segments.set(folder, s = emptySegment());
    return s;
  };
  let app: RouteComponent<State> | null = null;
  const routes: Array<Route<State> & { folder: string }> = [];
  for (const [file, raw] of Object.entries(files)) {
    const mod = raw as RouteModule<State>;
    const folder = folderOf(file);
    const name = file.slice(folder.length + 1).replace(/\.(tsx|ts|jsx|js)$/, "");
    if (name === "_app") app = mod.default as RouteComponent<State>;
    else if (name === "_layout") segment(folder).layout = mod.default as RouteComponent<State>;
    else if (name === "_error") {
      segment(folder).errorRoute = {
        handler: (mod.handlers ?? mod.handler) as RouteHandler<unknown, State> | undefined,
        component: mod.default as RouteComponent<State> | undefined,
      };
    } else if (name === "_middleware") {
      const mws = (mod.handler ?? mod.default) as Middleware<State> | Middleware<State>[];
      segment(folder).middlewares.push(...(Array.isArray(mws) ? mws : [mws]));
    } else if (name.startsWith("_")) {
      throw new Error(`${file}: not a route file (Fresh 2 has _app, _layout, _error, _middleware)`);
    } else {
      const handler = (mod.handlers ?? mod.handler) as RouteHandler<unknown, State> | undefined;
      const component = mod.default as RouteComponent<State> | undefined;
      const methods = new Set<Method>();
      if (typeof handler === "function") METHODS.forEach((m) => methods.add(m));
      else if (handler) Object.keys(handler).forEach((m) => methods.add(m as Method));
      if (component) methods.add("GET");
      if (methods.has("GET")) methods.add("HEAD");
      routes.push({
        pattern: patternFromFile(file),
        methods,
        def: { handler, component },
        segments: [],
        folder,
      });
    }
  }
  routes.sort((a, b) => compareSpecificity(a.pattern, b.pattern));
  for (const r of routes) r.segments = foldersDown(r.folder).map(segment);
  return { root: segment("./routes"), routes, app };
}

/** Runs segment `i` (its layout, its middlewares, its error page) around the rest. */
async function runSegments<State>(
  ctx: Context<State>,
  segments: Segment<State>[],
  i: number,
  final: (ctx: Context<State>) => Promise<Response>,
): Promise<Response> {
  if (i === segments.length) return await final(ctx);
  const seg = segments[i];
  const internals = getInternals(ctx);
  const outer = internals.layouts;
  if (seg.layout) internals.layouts = [...outer, seg.layout];
  try {
    return await runMiddlewares(
      ctx,
      seg.middlewares,
      0,
      () => runSegments(ctx, segments, i + 1, final),
    );
  } catch (err) {
    if (!seg.errorRoute) throw err;
    ctx.error = err;
    const http = err instanceof HttpError ? err : null;
    return await renderRoute(ctx, seg.errorRoute, http?.status ?? 500, http?.headers);
  } finally {
    internals.layouts = outer;
  }
}

async function runMiddlewares<State>(
  ctx: Context<State>,
  middlewares: Middleware<State>[],
  i: number,
  rest: () => Promise<Response>,
): Promise<Response> {
  if (i === middlewares.length) return await rest();
  ctx.next = () => runMiddlewares(ctx, middlewares, i + 1, rest);
  return await middlewares[i](ctx);
}

/**
 * Calls the route's handler; page data is rendered with its component inside the layouts.
 * `status` and `headers` are the defaults (an error page's, from the HttpError it shows).
 */
async function renderRoute<State>(
  ctx: Context<State>,
  def: RouteDef<State>,
  status = 200,
  headers?: HeadersInit,
): Promise<Response> {
  const method = ctx.req.method.toUpperCase() as Method;
  let fn: HandlerFn<unknown, State> | undefined;
  if (isHandlerByMethod(def.handler)) {
    fn = def.handler[method] ?? (method === "HEAD" ? def.handler.GET : undefined);
  } else fn = def.handler;
  const result: Response | PageResponse<unknown> = fn ? await fn(ctx) : { data: undefined };
  if (result instanceof Response) return result;
  if (!def.component) {
    throw new Error(`${ctx.route}: the handler returned data but there is no page`);
  }
  const vnode = h(def.component, pageProps(ctx, result.data, () => null));
  return await ctx.render(vnode, {
    status: result.status ?? status,
    headers: result.headers ?? headers,
  });
}

/** Fresh 2's answer when no `_error` page caught the error. */
function defaultErrorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    if (err.status >= 500) console.error(err);
    return new Response(err.message || "Error", { status: err.status, headers: err.headers });
  }
  console.error(err);
  return new Response("Internal server error", { status: 500 });
}
