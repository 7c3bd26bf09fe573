/**
 * Browser side of islands: hydrates every `<mp-island data-island=NAME>` element with the
 * component and the JSON props the server rendered it with. Bundled into each island entry.
 */
import { type ComponentType, h, hydrate } from "preact";

export function boot(name: string, Component: ComponentType<Record<string, unknown>>) {
  for (const el of document.querySelectorAll(`mp-island[data-island="${name}"]`)) {
    const props = JSON.parse(el.getAttribute("data-props") ?? "{}");
    hydrate(h(Component, props), el);
    // Lets tests (and curious engineers) see that an island is live.
    el.setAttribute("data-hydrated", "");
  }
}
