/**
 * Renders a page component inside the document shell (`routes/_app.tsx`) outside a route's
 * own `ctx.render`, for the pages middleware answers with (invalid link, rate limited).
 * These pages carry no islands, so no scripts.
 */
import { type ComponentType, h, type JSX } from "preact";
import { renderToString } from "preact-render-to-string";
import App from "@/routes/_app.tsx";
import type { RouteContext } from "@/lib/framework/types.ts";

export function renderStandalone(
  ctx: Pick<RouteContext, "url" | "state">,
  Page: ComponentType,
  init: ResponseInit,
): Response {
  const html = "<!DOCTYPE html>" +
    renderToString(
      h(App, {
        Component: () => h(Page, null) as JSX.Element,
        url: ctx.url,
        state: ctx.state,
        scripts: null,
      }),
    );
  const headers = new Headers(init.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  // Token pages: never cached, never indexed (the URL is a capability).
  headers.set("cache-control", "no-store");
  headers.set("x-robots-tag", "noindex");
  return new Response(html, { ...init, headers });
}
