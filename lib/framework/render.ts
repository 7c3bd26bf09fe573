/**
 * Server rendering of one document: the tree to HTML with preact-render-to-string, then the
 * module scripts of the islands it used, nonced, just before `</body>`. A page that used no
 * island gets no script at all.
 */
import { Fragment, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { collectIslands } from "./islands.ts";

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(
    /[+/=]/g,
    (c) => (c === "+" ? "-" : c === "/" ? "_" : ""),
  );
}

/**
 * `document` is `_app` around `body`; without an `_app`, `body` is wrapped in a bare
 * `<html><body>`. `entries` maps island names to their bundle URLs.
 */
export function renderDocument(
  document: VNode | null,
  body: VNode | null,
  entries: Record<string, string>,
): { html: string; nonce: string } {
  const nonce = newNonce();
  const tree = document ?? h("html", null, h("body", null, body ?? h(Fragment, null)));
  const { result, islands } = collectIslands(() => renderToString(tree));
  let html = "<!DOCTYPE html>" + result;
  const srcs = [...islands].map((name) => entries[name]).filter(Boolean);
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
