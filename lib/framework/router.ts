/**
 * File routes, after Fresh: `routes/customer/[token]/orders/[order_id].tsx` serves
 * `/customer/:token/orders/:order_id`, `index` files serve their folder, `[...rest]` catches
 * the rest. Files whose name starts with `_` are not routes (`_app`, `_layout`, `_error`,
 * `_middleware`).
 *
 * Matching is a compiled regular expression per pattern, tried most specific first (static
 * segments, then parameters, then catch-alls); Fresh 2 uses URLPattern for the same rules.
 */

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

export interface CompiledPattern {
  pattern: string;
  /** Parameter values as they appear in the path (still percent-encoded), or null. */
  exec(pathname: string): Record<string, string> | null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `:name` matches one non-empty segment, `*` the rest of the path. */
export function compilePattern(pattern: string): CompiledPattern {
  const names: string[] = [];
  const source = pattern.split("/").map((seg) => {
    if (seg === "*") {
      names.push("*");
      return "(.*)";
    }
    if (seg.startsWith(":")) {
      names.push(seg.slice(1));
      return "([^/]+)";
    }
    return escape(seg);
  }).join("/");
  const re = new RegExp(`^${source}$`);
  return {
    pattern,
    exec(pathname) {
      const m = re.exec(pathname);
      if (!m) return null;
      const params: Record<string, string> = {};
      names.forEach((name, i) => params[name] = m[i + 1]);
      return params;
    },
  };
}
