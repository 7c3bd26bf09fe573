/**
 * `staticFiles()`, as Fresh 2's: serves `static/` and the island bundles. `static/` is
 * indexed once at start-up (path, SHA-256, size, type), so a request is a map lookup: no path
 * a client sends is ever joined onto the file system, and ETags are content hashes.
 *
 * `asset("/styles.css")` → `/styles.css?v=1a2b3c4d` (the file's hash): such links are served
 * `immutable`; plain paths revalidate after an hour.
 */
import { getInternals } from "./context.ts";
import { BUNDLE_PREFIX, sha256Hex } from "./build_cache.ts";
import type { Middleware } from "./middleware.ts";

export interface StaticFile {
  /** Where it is on disk. */
  file: string;
  etag: string;
  size: number;
  contentType: string;
}

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  woff2: "font/woff2",
  woff: "font/woff",
  pdf: "application/pdf",
  xml: "application/xml",
  webmanifest: "application/manifest+json",
};

const versions = new Map<string, string>();

/** Walks `dir` into URL path → facts, and records each file's version for `asset()`. */
export async function indexStaticFiles(dir: string): Promise<Map<string, StaticFile>> {
  const index = new Map<string, StaticFile>();
  async function walk(prefix: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${dir}${prefix}`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const e of entries) {
      const rel = `${prefix}/${e.name}`;
      if (e.isDirectory) {
        await walk(rel);
        continue;
      }
      if (!e.isFile) continue;
      const bytes = await Deno.readFile(`${dir}${rel}`);
      const hash = await sha256Hex(bytes);
      const ext = e.name.includes(".") ? e.name.slice(e.name.lastIndexOf(".") + 1) : "";
      index.set(rel, {
        file: `${dir}${rel}`,
        etag: `"${hash.slice(0, 32)}"`,
        size: bytes.byteLength,
        contentType: TYPES[ext.toLowerCase()] ?? "application/octet-stream",
      });
      versions.set(rel, hash.slice(0, 8));
    }
  }
  await walk("");
  return index;
}

/** A cache-busted URL for a file in `static/`. */
export function asset(path: string): string {
  const v = versions.get(path);
  return v ? `${path}?v=${v}` : path;
}

const IMMUTABLE = "public, max-age=31536000, immutable";

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

/** Serves GET/HEAD for files in `static/` and `/_fresh/js/*`; everything else goes on. */
export function staticFiles<State>(): Middleware<State> {
  return async function serveStaticFiles(ctx) {
    const { req, url } = ctx;
    if (req.method !== "GET" && req.method !== "HEAD") return await ctx.next();
    const { build } = getInternals(ctx);
    if (url.pathname.startsWith(BUNDLE_PREFIX)) {
      const bytes = build.islands.files.get(url.pathname);
      if (!bytes) return await ctx.next();
      return new Response(req.method === "HEAD" ? null : bytes as BodyInit, {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": IMMUTABLE },
      });
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return await ctx.next();
    }
    const file = build.staticFiles.get(path);
    if (!file) return await ctx.next();
    const headers = new Headers({
      "content-type": file.contentType,
      etag: file.etag,
      "cache-control": url.searchParams.has("v") ? IMMUTABLE : "public, max-age=3600",
    });
    if (etagMatches(req.headers.get("if-none-match"), file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(file.size));
    if (req.method === "HEAD") return new Response(null, { headers });
    let handle: Deno.FsFile;
    try {
      handle = await Deno.open(file.file, { read: true });
    } catch {
      return await ctx.next(); // removed since start-up
    }
    return new Response(handle.readable, { headers });
  };
}
