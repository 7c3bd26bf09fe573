/**
 * The per-request `Context`, as Fresh 2's: `req`, `url`, `route`, `params`, `state`, `info`,
 * `error`, `next()`, `render()` and `redirect()`. `PageProps` is the part of it a page,
 * layout, `_app` or `_error` component receives, plus `data` and `Component`.
 */
import { type AnyComponent, type FunctionComponent, h, isValidElement, type VNode } from "preact";
import type { BuildCache } from "./build_cache.ts";
import { renderDocument } from "./render.ts";

export type PageProps<Data = unknown, State = unknown> =
  & Pick<
    Context<State>,
    "url" | "req" | "params" | "info" | "state" | "Component" | "error" | "route"
  >
  & { data: Data };

export type RouteComponent<State> = AnyComponent<PageProps<unknown, State>>;

/** What rendering needs beyond the request: the `_app` shell, the layouts entered so far. */
export interface RenderInternals<State> {
  app: RouteComponent<State> | null;
  layouts: RouteComponent<State>[];
  build: BuildCache;
}

const encoder = new TextEncoder();
/** Compression middleware leave bodies under 1 KiB alone (Hono's threshold). */
const SMALL_BODY = 1024;

export let getInternals: <S>(ctx: Context<S>) => RenderInternals<S>;

export class Context<State> {
  /** The request URL, parsed. */
  readonly url: URL;
  /** The incoming request. */
  req: Request;
  /** The matched route pattern (`/customer/:token`), or null when no route matched. */
  readonly route: string | null;
  /** Path parameters of the matched route, URL-decoded. */
  readonly params: Record<string, string>;
  /** Shared by every middleware, handler and component of this request. */
  readonly state: State = {} as State;
  /** The caught error, on an error page (default null). */
  error: unknown = null;
  /** The connection: `info.remoteAddr` is the peer (a proxy's address behind one). */
  readonly info: Deno.ServeHandlerInfo;
  /** In a middleware: runs the rest of the chain. */
  next: () => Promise<Response>;
  /** In a layout or `_app`: the child to render. */
  Component!: FunctionComponent;

  #internals: RenderInternals<State>;

  static {
    getInternals = <S>(ctx: Context<S>) => ctx.#internals;
  }

  constructor(
    req: Request,
    url: URL,
    info: Deno.ServeHandlerInfo,
    route: string | null,
    params: Record<string, string>,
    internals: RenderInternals<State>,
  ) {
    this.req = req;
    this.url = url;
    this.info = info;
    this.route = route;
    this.params = params;
    this.#internals = internals;
    this.next = () => Promise.reject(new Error("ctx.next() called outside a middleware"));
  }

  /**
   * A redirect to a path on this site (or a URL). Protocol-relative paths (`//evil.com`) are
   * collapsed to one slash, so a redirect built from input cannot leave the site.
   */
  redirect(pathOrUrl: string, status = 302): Response {
    let location = pathOrUrl;
    if (pathOrUrl !== "/" && pathOrUrl.startsWith("/")) {
      let idx = pathOrUrl.indexOf("?");
      if (idx === -1) idx = pathOrUrl.indexOf("#");
      const pathname = idx > -1 ? pathOrUrl.slice(0, idx) : pathOrUrl;
      location = pathname.replaceAll(/\/+/g, "/") + (idx > -1 ? pathOrUrl.slice(idx) : "");
    }
    return new Response(null, { status, headers: { location } });
  }

  /**
   * Renders JSX inside the layouts entered so far and `_app`, as an HTML Response:
   * `ctx.render(<h1>hello</h1>, { status: 418 })`.
   */
  // deno-lint-ignore require-await
  async render(
    // deno-lint-ignore no-explicit-any
    vnode: VNode<any> | null,
    init: ResponseInit = {},
  ): Promise<Response> {
    if (vnode !== null && !isValidElement(vnode)) {
      throw new Error("Non-JSX element passed to: ctx.render()");
    }
    const { app, layouts, build } = this.#internals;
    let tree: VNode | null = vnode;
    for (let i = layouts.length - 1; i >= 0; i--) {
      const child = tree;
      tree = h(layouts[i], pageProps(this, null, () => child)) as VNode;
    }
    const body = tree;
    const document = app ? h(app, pageProps(this, null, () => body)) as VNode : null;
    const { html, nonce } = renderDocument(document, body, build.islands);
    const headers = new Headers(init.headers);
    headers.set("content-type", "text/html; charset=utf-8");
    // The body stays a string: Deno.serve writes a string body natively, where encoding it
    // here costs more than rendering the page. A compression middleware only needs to know
    // whether a page is small, and UTF-8 never has fewer bytes than UTF-16 code units: a long
    // string is long, and only a short one is measured.
    if (html.length < SMALL_BODY) {
      headers.set("content-length", String(encoder.encode(html).byteLength));
    }
    const res = new Response(html, {
      status: init.status ?? 200,
      statusText: init.statusText,
      headers,
    });
    // Where Fresh 2 leaves it too: a CSP middleware reads the nonce the scripts carry.
    (res as unknown as Record<symbol, string>)[NONCE_SYMBOL] = nonce;
    return res;
  }
}

/** The props a page, layout or `_app` component gets for this request. */
export function pageProps<S>(
  ctx: Context<S>,
  data: unknown,
  child: () => VNode | null,
): PageProps<unknown, S> {
  return {
    Component: child as FunctionComponent,
    data,
    error: ctx.error,
    info: ctx.info,
    params: ctx.params,
    req: ctx.req,
    route: ctx.route,
    state: ctx.state,
    url: ctx.url,
  };
}

/** The symbol Fresh 2 puts the render's nonce under on the Response. */
export const NONCE_SYMBOL: unique symbol = Symbol.for("__freshNonce");
