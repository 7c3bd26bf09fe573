/**
 * Server rendering of one document: the tree to HTML with preact-render-to-string, then the
 * module scripts of the islands it used, nonced, just before `</body>`. A page that used no
 * island gets no script at all. Hydrate-on-interaction islands get no script of their own:
 * the page gets the lazy loader once instead, and their code loads on first interaction.
 */
import { Fragment, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { IslandBundles } from "./build_cache.ts";
import { collectIslands, isLazyIsland } from "./islands.ts";

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(
    /[+/=]/g,
    (c) => (c === "+" ? "-" : c === "/" ? "_" : ""),
  );
}

/**
 * `document` is `_app` around `body`; without an `_app`, `body` is wrapped in a bare
 * `<html><body>`. `bundles` has the islands' entry URLs and the lazy loader's.
 */
export function renderDocument(
  document: VNode | null,
  body: VNode | null,
  bundles: Pick<IslandBundles, "entries" | "lazyLoader">,
): { html: string; nonce: string } {
  const nonce = newNonce();
  const tree = document ?? h("html", null, h("body", null, body ?? h(Fragment, null)));
  const { entries, lazyLoader } = bundles;
  const { result, islands } = collectIslands(() => renderToString(tree), entries);
  let html = "<!DOCTYPE html>" + result;
  const used = [...islands];
  let srcs = used.filter((name) => !isLazyIsland(name)).map((name) => entries[name]);
  if (lazyLoader && used.some(isLazyIsland)) srcs.push(lazyLoader);
  srcs = srcs.filter(Boolean);
  if (srcs.length > 0) {
    const scripts = renderToString(
      h(
        "div",
        { hidden: true, "data-islands": "" },
        srcs.map((src) => h("script", { type: "module", src, nonce, key: src })),
      ),
    );
    const at = html.lastIndexOf("</body>");
    html = at === -1 ? html + scripts : html.slice(0, at) + scripts + html.slice(at);
  }
  return { html, nonce };
}
