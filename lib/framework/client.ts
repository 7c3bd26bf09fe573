/**
 * Browser side of islands, the one shared runtime: `boot` hydrates every
 * `<mp-island data-island=NAME>` with the component and the JSON props the server rendered it
 * with (each island entry calls it), and `lazy.ts` wakes hydrate-on-interaction islands. It
 * imports nothing (each entry hands it Preact's `h` and `hydrate`), so the page can load it
 * alone as the lazy loader: one small file, whether or not an island hydrates at load.
 */
import type { ComponentType, h as H, hydrate as Hydrate } from "preact";
import "./lazy.ts";

export function boot(
  name: string,
  Component: ComponentType<Record<string, unknown>>,
  h: typeof H,
  hydrate: typeof Hydrate,
) {
  // `:not`: an island is hydrated once, however many times its entry is imported.
  const islands = document.querySelectorAll<HTMLElement>(
    `mp-island[data-island="${name}"]:not([data-hydrated])`,
  );
  for (const el of islands) {
    hydrate(h(Component, JSON.parse(el.dataset.props ?? "{}")), el);
    // Lets tests (and curious engineers) see that an island is live.
    el.dataset.hydrated = "";
  }
}
