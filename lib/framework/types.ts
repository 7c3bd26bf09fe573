/**
 * The route-file API, after Fresh's: a route module exports `handler` (one function per
 * HTTP method) and/or a default page component; `_middleware.ts` exports `handler` as one
 * middleware or an array of them.
 */
import type { ComponentType, JSX } from "preact";
import type { Services } from "@/lib/services.ts";
import type { State } from "@/lib/state.ts";

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = typeof METHODS[number];

export interface RouteContext<Data = unknown> {
  req: Request;
  url: URL;
  /** Path parameters from `[name]` segments, already URL-decoded. */
  params: Record<string, string>;
  /** Shared by every middleware and the handler of this request. */
  state: State;
  services: Services;
  /** The connecting peer's IP address (a proxy's, behind one); undefined off TCP. */
  remoteAddr?: string;
  /** Renders this route's page component inside `routes/_app.tsx`. */
  render(data?: Data, init?: ResponseInit): Response;
  /** In middleware: runs the rest of the chain. */
  next(): Promise<Response>;
}

export type HandlerFn<Data = unknown> = (ctx: RouteContext<Data>) => Response | Promise<Response>;
export type Handlers<Data = unknown> = Partial<Record<Method, HandlerFn<Data>>>;
export type Middleware = (ctx: RouteContext) => Response | Promise<Response>;

export interface PageProps<Data = unknown> {
  data: Data;
  params: Record<string, string>;
  url: URL;
  state: State;
}

export interface AppProps {
  Component: () => JSX.Element | null;
  url: URL;
  state: State;
  /** Island scripts and preloads for this page, already nonced; empty when no island rendered. */
  scripts: JSX.Element | null;
}

export interface RouteModule {
  handler?: Handlers<unknown> | HandlerFn<unknown>;
  default?: ComponentType<PageProps<unknown>>;
}

export interface MiddlewareModule {
  handler: Middleware | Middleware[];
}

export interface Manifest {
  routes: Record<string, RouteModule | MiddlewareModule>;
  islands: Record<string, { default: ComponentType<Record<string, unknown>> }>;
  baseUrl: string;
}
