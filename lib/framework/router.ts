/**
 * File routes, after Fresh: `routes/customer/[token]/orders/[order_id].tsx` serves
 * `/customer/:token/orders/:order_id`, `index` files serve their folder, `[...rest]` catches
 * the rest. Files whose name starts with `_` are not routes (`_app`, `_layout`, `_error`,
 * `_middleware`).
 *
 * Matching is Hono's TrieRouter (Fresh 2 uses URLPattern for the same rules): routes are
 * added most specific first (static segments, then parameters, then catch-alls) and the
 * first match wins. Hono's RegExpRouter refuses a parameter route added after a static one
 * at the same place (`/items/new`, then `/items/:id`), which is exactly our order.
 */
import { TrieRouter } from "hono/router/trie-router";

/** `./routes/customer/[token]/orders/[order_id].tsx` → `/customer/:token/orders/:order_id`. */
export function patternFromFile(file: string): string {
  const rel = file.replace(/^\.\/routes/, "").replace(/\.(tsx|ts|jsx|js)$/, "");
  const segments = rel.split("/").filter(Boolean);
  if (segments.at(-1) === "index") segments.pop();
  const mapped = segments.map((seg) => {
    if (/^\[\.\.\.(\w+)\]$/.test(seg)) return "*";
    const param = seg.match(/^\[(\w+)\]$/);
    return param ? `:${param[1]}` : seg;
  });
  return "/" + mapped.join("/");
}

/** The folder a routes file sits in: `./routes/customer/[token]/_layout.tsx` → `./routes/customer/[token]`. */
export function folderOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/"));
}

/** `./routes/a/b` → [`./routes`, `./routes/a`, `./routes/a/b`]. */
export function foldersDown(folder: string): string[] {
  const parts = folder.split("/");
  const out: string[] = [];
  for (let i = 2; i <= parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Static segments first, then params, then catch-alls, so the most specific route wins. */
export function compareSpecificity(a: string, b: string): number {
  const rank = (p: string) =>
    p.split("/").map((s) => (s === "*" ? "2" : s.startsWith(":") ? "1" : "0")).join("");
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Our `*` (the rest of the path, possibly empty, after its slash) in Hono's syntax: a
 * parameter named `*` with a regular expression, so `params["*"]` carries the rest.
 */
function toHonoPattern(pattern: string): string {
  return pattern.split("/").map((seg) => (seg === "*" ? ":*{.*}" : seg)).join("/");
}

/** Patterns to values; `match` answers the most specific route's value and raw params. */
export class RouteTable<T> {
  #router = new TrieRouter<T>();

  /** Add routes most specific first (`compareSpecificity`): the first match wins. */
  add(pattern: string, value: T): void {
    this.#router.add("ALL", toHonoPattern(pattern), value);
  }

  /** Parameter values as they appear in the path (still percent-encoded), or null. */
  match(pathname: string): { value: T; params: Record<string, string> } | null {
    const [matches] = this.#router.match("ALL", pathname);
    const first = matches[0];
    if (!first) return null;
    return { value: first[0], params: { ...(first[1] as Record<string, string>) } };
  }
}

export interface CompiledPattern {
  pattern: string;
  /** Parameter values as they appear in the path (still percent-encoded), or null. */
  exec(pathname: string): Record<string, string> | null;
}

/** One pattern on its own: `:name` matches one non-empty segment, `*` the rest of the path. */
export function compilePattern(pattern: string): CompiledPattern {
  const table = new RouteTable<true>();
  table.add(pattern, true);
  return { pattern, exec: (pathname) => table.match(pathname)?.params ?? null };
}
