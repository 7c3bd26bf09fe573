/**
 * Server side of islands. A Preact `options.vnode` hook swaps each island component for a
 * wrapper that renders it inside `<mp-island>` with its props serialized, and records which
 * islands the page used so only their scripts are sent. Pages without islands ship no JS.
 * Islands cannot nest, and their props must be JSON-serializable.
 */
import { type ComponentType, h, options, type VNode } from "preact";

type AnyComponent = ComponentType<Record<string, unknown>>;

const islandNames = new Map<unknown, string>();
let currentRender: Set<string> | null = null;

/** `./islands/TrackingTimeline.tsx` → `TrackingTimeline`. */
export function islandName(file: string): string {
  return file.replace(/^.*\//, "").replace(/\.(tsx|ts|jsx|js)$/, "").replace(/[^A-Za-z0-9_]/g, "_");
}

export function registerIslands(islands: Record<string, { default: unknown }>) {
  for (const [file, mod] of Object.entries(islands)) {
    islandNames.set(mod.default, islandName(file));
  }
}

function IslandWrapper(
  props: { island: string; component: AnyComponent; props: Record<string, unknown> },
) {
  currentRender?.add(props.island);
  return h(
    "mp-island",
    { "data-island": props.island, "data-props": JSON.stringify(props.props) },
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

/** Runs a synchronous render and returns the island names it used. */
export function collectIslands<T>(render: () => T): { result: T; islands: Set<string> } {
  const used = new Set<string>();
  const outer = currentRender;
  currentRender = used;
  try {
    return { result: render(), islands: used };
  } finally {
    currentRender = outer;
  }
}
