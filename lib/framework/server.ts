/**
 * The Fresh-conventions layer on Hono: turns a manifest (`fresh.gen.ts`) into an app with
 * file routes, per-folder middleware, pages rendered inside `_app`, `_404`/`_500`, island
 * bundles and static files. Everything portal-specific lives in routes/, not here.
 */
import { type Context, Hono } from "hono";
import { etag } from "hono/etag";
import { serveStatic } from "hono/deno";
import { type ComponentType, h, type JSX, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { HttpError, jsonError } from "@/lib/http/errors.ts";
import { log, redactPath } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import type { State } from "@/lib/state.ts";
import { buildIslands, BUNDLE_PREFIX, type IslandBundles, loadBuiltBundles } from "./bundle.ts";
import { collectIslands, islandName, islandsInCurrentRender, registerIslands } from "./islands.ts";
import {
  compareSpecificity,
  inScope,
  isSpecial,
  middlewareScope,
  patternFromFile,
} from "./routes.ts";
import { securityHeaders } from "./security.ts";
import { hashStaticFiles } from "./assets.ts";
import type {
  AppProps,
  HandlerFn,
  Handlers,
  Manifest,
  Method,
  Middleware,
  MiddlewareModule,
  PageProps,
  RouteContext,
  RouteModule,
} from "./types.ts";
import { METHODS } from "./types.ts";

type Env = { Variables: { nonce: string; route: string; state: State } };
type Page = ComponentType<PageProps<unknown>>;

export interface AppOptions {
  manifest: Manifest;
  services: Services;
  /** Prebuilt or shared bundles; otherwise loaded from `_fresh/` or built in memory. */
  bundles?: IslandBundles;
}

export interface PortalApp {
  fetch: (req: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  bundles: IslandBundles;
  /** Route patterns, most specific first (for tests and docs). */
  patterns: string[];
}

export function projectRoot(manifest: Manifest): string {
  return new URL(".", manifest.baseUrl).pathname.replace(/\/$/, "");
}

const bundleCache = new Map<string, Promise<IslandBundles>>();

/** Bundles for a project: a fresh `_fresh/` build if there is one, else built in memory once. */
export function bundlesFor(manifest: Manifest): Promise<IslandBundles> {
  const root = projectRoot(manifest);
  const files = Object.keys(manifest.islands);
  let cached = bundleCache.get(root);
  if (!cached) {
    cached = (async () => {
      const built = await loadBuiltBundles(root);
      const complete = built && files.every((f) => built.entries[islandName(f)]);
      return complete ? built : await buildIslands(root, files);
    })();
    bundleCache.set(root, cached);
  }
  return cached;
}

function isApiPath(path: string) {
  return path === "/api" || path.startsWith("/api/");
}

export async function createApp(opts: AppOptions): Promise<PortalApp> {
  const { manifest, services } = opts;
  const root = projectRoot(manifest);
  registerIslands(manifest.islands);
  const bundles = opts.bundles ?? (await bundlesFor(manifest));
  await hashStaticFiles(`${root}/static`);

  const special = (name: string) =>
    Object.entries(manifest.routes).find(([f]) =>
      new RegExp(`^\\./routes/${name}\\.(tsx|ts)$`).test(f)
    )
      ?.[1] as RouteModule | undefined;
  const AppShell = special("_app")?.default as unknown as ComponentType<AppProps> | undefined;
  const NotFoundPage = special("_404")?.default;
  const ErrorPage = special("_500")?.default;

  const middlewares: Array<{ scope: string; fns: Middleware[] }> = [];
  const routes: Array<{ pattern: string; mod: RouteModule }> = [];
  for (const [file, mod] of Object.entries(manifest.routes)) {
    if (/\/_middleware\.(tsx|ts)$/.test(file)) {
      const h = (mod as MiddlewareModule).handler;
      middlewares.push({ scope: middlewareScope(file), fns: Array.isArray(h) ? h : [h] });
    } else if (!isSpecial(file)) {
      routes.push({ pattern: patternFromFile(file), mod: mod as RouteModule });
    }
  }
  // Outer folders first: `/` before `/customer/:token`.
  middlewares.sort((a, b) => a.scope.split("/").length - b.scope.split("/").length);
  routes.sort((a, b) => compareSpecificity(a.pattern, b.pattern));
  const chainFor = (pattern: string) =>
    middlewares.filter((m) => inScope(m.scope, pattern)).flatMap((m) => m.fns);

  function IslandScripts({ nonce, used }: { nonce: string; used: Set<string> }) {
    const srcs = [...used].map((n) => bundles.entries[n]).filter(Boolean);
    return h(
      "div",
      { hidden: true, "data-islands": "" },
      srcs.map((src) => h("script", { type: "module", src, nonce, key: src })),
    ) as JSX.Element;
  }

  /** Renders a page inside `_app`; the island scripts render last, after the body used them. */
  function renderPage(
    Page: Page,
    props: PageProps<unknown>,
    init?: ResponseInit,
  ): Response {
    const { result: html } = collectIslands(() => {
      const body = () => h(Page, props) as JSX.Element;
      const Scripts = () => {
        // Rendered after the body, so every island on the page has registered itself.
        const used = new Set(islandsInCurrentRender());
        return used.size ? h(IslandScripts, { nonce: props.state.nonce, used }) : null;
      };
      const tree = (AppShell
        ? h(AppShell, {
          Component: body,
          url: props.url,
          state: props.state,
          scripts: h(Scripts, null) as JSX.Element,
        })
        : h("html", null, h("body", null, h(body, null), h(Scripts, null)))) as VNode;
      return "<!DOCTYPE html>" + renderToString(tree);
    });
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
    return new Response(html, { ...init, headers });
  }

  function makeContext(
    c: Context<Env>,
    state: State,
    params: Record<string, string>,
    page?: Page,
  ): RouteContext {
    const url = new URL(c.req.url);
    const peer = (c.env as { info?: Deno.ServeHandlerInfo } | undefined)?.info?.remoteAddr;
    return {
      req: c.req.raw,
      url,
      params,
      state,
      services,
      remoteAddr: peer && "hostname" in peer ? peer.hostname : undefined,
      render(data?: unknown, init?: ResponseInit) {
        if (!page) throw new Error(`No page component for ${url.pathname}`);
        return renderPage(page, { data, params, url, state }, init);
      },
      next: () => Promise.reject(new Error("next() is only available in middleware")),
    };
  }

  async function runChain(chain: Middleware[], ctx: RouteContext, final: () => Promise<Response>) {
    const step = async (i: number): Promise<Response> => {
      if (i === chain.length) return await final();
      const mwCtx: RouteContext = { ...ctx, next: () => step(i + 1) };
      return await chain[i](mwCtx);
    };
    return await step(0);
  }

  function newState(c: Context<Env>): State {
    return { locale: "en", nonce: c.get("nonce") };
  }

  const app = new Hono<Env>();
  app.use("*", requestLogger);
  app.use("*", securityHeaders());

  app.get(`${BUNDLE_PREFIX}:file`, (c) => {
    const bytes = bundles.files.get(BUNDLE_PREFIX + c.req.param("file"));
    if (!bytes) return c.notFound();
    return new Response(bytes as BodyInit, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
  });

  // Static files: only paths with an extension touch the file system (routes never have one).
  // ETag so repeat visits revalidate cheaply; `?v=` links from asset() are immutable.
  const staticFiles = serveStatic({ root: `${root}/static` });
  const staticEtag = etag();
  app.use("*", async (c, next) => {
    if ((c.req.method !== "GET" && c.req.method !== "HEAD") || !/\.[a-z0-9]+$/i.test(c.req.path)) {
      return await next();
    }
    let passedOn = false;
    const passOn = () => {
      passedOn = true;
      return next();
    };
    try {
      await staticEtag(c, async () => {
        const res = await staticFiles(c, passOn);
        // Escaped paths it cannot map (`/%.js`, `/x/%23.js`) come back as status 0.
        if (res && res.status >= 200) c.res = res;
        else if (!passedOn) await passOn();
      });
    } catch (err) {
      // A path serveStatic cannot read is no file of ours: it goes on to the routes.
      if (passedOn) throw err;
      return await next();
    }
    if (passedOn) return;
    if (c.res.status === 200 || c.res.status === 304) {
      const versioned = new URL(c.req.url).searchParams.has("v");
      c.res.headers.set(
        "cache-control",
        versioned ? "public, max-age=31536000, immutable" : "public, max-age=3600",
      );
    }
  });

  for (const { pattern, mod } of routes) {
    const handler = mod.handler;
    const page = mod.default as Page | undefined;
    const methods = new Set<Method>();
    if (typeof handler === "function") METHODS.forEach((m) => methods.add(m));
    else if (handler) Object.keys(handler).forEach((m) => methods.add(m as Method));
    if (page) methods.add("GET");
    if (methods.has("GET")) methods.add("HEAD");
    const chain = chainFor(pattern);

    app.on([...methods], pattern, async (c) => {
      c.set("route", pattern);
      const params = c.req.param() as Record<string, string>;
      const state = newState(c);
      // Kept on the context so an error page keeps the language the middleware chose.
      c.set("state", state);
      const ctx = makeContext(c, state, params, page);
      const method = (c.req.method === "HEAD" ? "GET" : c.req.method) as Method;
      const fn: HandlerFn | undefined = typeof handler === "function"
        ? handler
        : (handler as Handlers | undefined)?.[method];
      return await runChain(chain, ctx, async () => {
        if (fn) return await fn(ctx);
        return ctx.render(undefined);
      });
    });
    const allow = [...methods].join(", ");
    app.all(pattern, (c) => {
      c.set("route", pattern);
      const err = new HttpError(405, "method_not_allowed", `Use ${allow}.`, undefined, { allow });
      return jsonError(err);
    });
  }

  const rootChain = chainFor("/").filter((fn) =>
    middlewares.some((m) => m.scope === "/" && m.fns.includes(fn))
  );

  function errorPage(
    c: Context<Env>,
    status: number,
    message: string,
    state?: State,
    headers?: Record<string, string>,
  ) {
    const st = state ?? c.get("state") ?? newState(c);
    const url = new URL(c.req.url);
    const Page = status === 404 ? NotFoundPage : ErrorPage;
    if (!Page) return c.text(message, status as 404, headers);
    const props = { data: { status, message }, params: {}, url, state: st };
    return renderPage(Page, props, { status, headers });
  }

  app.notFound(async (c) => {
    if (isApiPath(c.req.path)) {
      return jsonError(new HttpError(404, "not_found", "No such endpoint."));
    }
    const state = newState(c);
    const ctx = makeContext(c, state, {});
    return await runChain(
      rootChain,
      ctx,
      () => Promise.resolve(errorPage(c, 404, "Not found", state)),
    );
  });

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      if (isApiPath(c.req.path) || err.status === 405) return jsonError(err);
      return errorPage(c, err.status, err.message, undefined, err.headers);
    }
    if (err instanceof URIError) {
      const bad = new HttpError(400, "bad_request", "The URL is not valid.");
      return isApiPath(c.req.path) ? jsonError(bad) : errorPage(c, 400, bad.message);
    }
    log.error("unhandled error", { route: c.get("route") ?? redactPath(c.req.path), err });
    const internal = new HttpError(500, "internal_error", "Something went wrong on our side.");
    return isApiPath(c.req.path) ? jsonError(internal) : errorPage(c, 500, internal.message);
  });

  const fetch = (req: Request, info?: Deno.ServeHandlerInfo) => app.fetch(req, { info });
  return { fetch, bundles, patterns: routes.map((r) => r.pattern) };
}

async function requestLogger(c: Context<Env>, next: () => Promise<void>) {
  const start = performance.now();
  await next();
  // The route pattern, never the path: paths can carry link tokens.
  log.info("request", {
    method: c.req.method,
    route: c.get("route") ?? redactPath(c.req.path),
    status: c.res.status,
    ms: Math.round((performance.now() - start) * 10) / 10,
  });
}
