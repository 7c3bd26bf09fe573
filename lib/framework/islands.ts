/**
 * Server side of islands. A Preact `options.vnode` hook swaps each island component for a
 * wrapper that renders it inside `<mp-island>` with its props serialized, and records which
 * islands the page used so only their scripts are sent. Pages without islands ship no JS.
 * Islands cannot nest, and their props must be JSON-serializable.
 *
 * An island module may export `hydrate = "interaction"` (our extension; Fresh 2 hydrates every
 * island at load): its element then carries `data-hydrate="interaction"` and its entry's URL
 * (`data-src`), the page gets the lazy loader (`client.ts`) instead of its script, and its
 * code loads on the first interaction with it.
 */
import { type ComponentType, h, options, type VNode } from "preact";

type AnyComponent = ComponentType<Record<string, unknown>>;

/** When an island's code loads: with the page (Fresh 2's only way), or on first interaction. */
export type Hydrate = "load" | "interaction";

const islandNames = new Map<unknown, string>();
const lazyIslands = new Set<string>();

/** What the render in progress used, and where the entries are (`data-src`). */
interface RenderIslands {
  used: Set<string>;
  entries: Record<string, string>;
}
let currentRender: RenderIslands | null = null;

/** `./islands/TrackingTimeline.tsx` → `TrackingTimeline`. */
export function islandName(file: string): string {
  return file.replace(/^.*\//, "").replace(/\.(tsx|ts|jsx|js)$/, "").replace(/[^A-Za-z0-9_]/g, "_");
}

export function registerIslands(
  islands: Record<string, { default: unknown; hydrate?: unknown }>,
) {
  for (const [file, mod] of Object.entries(islands)) {
    const name = islandName(file);
    const hydrate = mod.hydrate ?? "load";
    // A typo must not quietly ship the code at load.
    if (hydrate !== "load" && hydrate !== "interaction") {
      throw new Error(`${file}: export const hydrate must be "load" or "interaction"`);
    }
    islandNames.set(mod.default, name);
    if (hydrate === "interaction") lazyIslands.add(name);
    else lazyIslands.delete(name);
  }
}

/** True for an island whose module exports `hydrate = "interaction"`. */
export function isLazyIsland(name: string): boolean {
  return lazyIslands.has(name);
}

function IslandWrapper(
  props: { island: string; component: AnyComponent; props: Record<string, unknown> },
) {
  currentRender?.used.add(props.island);
  const lazy = lazyIslands.has(props.island);
  return h(
    "mp-island",
    {
      "data-island": props.island,
      "data-props": JSON.stringify(props.props),
      "data-hydrate": lazy ? "interaction" : undefined,
      "data-src": lazy ? currentRender?.entries[props.island] : undefined,
    },
    h(props.component, { ...props.props, [WRAPPED]: true }),
  );
}

const WRAPPED = "__mpIslandWrapped";

const previousVnode = options.vnode;
options.vnode = (vnode: VNode) => {
  const name = islandNames.get(vnode.type);
  const p = vnode.props as Record<string, unknown>;
  if (name && !p[WRAPPED]) {
    const component = vnode.type as AnyComponent;
    // Children are not serializable; islands take data props only.
    const { children: _children, ...data } = p;
    // deno-lint-ignore no-explicit-any
    (vnode as any).type = IslandWrapper;
    // deno-lint-ignore no-explicit-any
    (vnode as any).props = { island: name, component, props: data };
  }
  previousVnode?.(vnode);
};

/**
 * Runs a synchronous render and returns the island names it used; `entries` (island name →
 * bundle URL) gives the `data-src` of hydrate-on-interaction islands.
 */
export function collectIslands<T>(
  render: () => T,
  entries: Record<string, string> = {},
): { result: T; islands: Set<string> } {
  const used = new Set<string>();
  const outer = currentRender;
  currentRender = { used, entries };
  try {
    return { result: render(), islands: used };
  } finally {
    currentRender = outer;
  }
}
