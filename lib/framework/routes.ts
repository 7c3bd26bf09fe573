/**
 * File-route rules, after Fresh: `routes/a/[id]/index.tsx` serves `/a/:id`. Files starting
 * with `_` are special (`_app`, `_404`, `_500`, `_middleware`) and are not routes.
 */

/** `./routes/customer/[token]/orders/[order_id].tsx` → `/customer/:token/orders/:order_id`. */
export function patternFromFile(file: string): string {
  const rel = file.replace(/^\.\/routes/, "").replace(/\.(tsx|ts|jsx|js)$/, "");
  const segments = rel.split("/").filter(Boolean);
  if (segments.at(-1) === "index") segments.pop();
  const mapped = segments.map((seg) => {
    const rest = seg.match(/^\[\.\.\.(\w+)\]$/);
    if (rest) return "*";
    const param = seg.match(/^\[(\w+)\]$/);
    return param ? `:${param[1]}` : seg;
  });
  return "/" + mapped.join("/");
}

/** The folder URL prefix a `_middleware.ts` guards: `./routes/customer/[token]/_middleware.ts` → `/customer/:token`. */
export function middlewareScope(file: string): string {
  return patternFromFile(file.replace(/\/_middleware\.(tsx|ts|jsx|js)$/, "/index.ts"));
}

/** Whether a route pattern lies inside a middleware's folder scope. */
export function inScope(scope: string, pattern: string): boolean {
  if (scope === "/") return true;
  return pattern === scope || pattern.startsWith(scope + "/");
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

export function isSpecial(file: string): boolean {
  return /\/_[^/]+$/.test(file);
}
