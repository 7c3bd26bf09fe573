/**
 * `staticFiles()`, as Fresh 2's: serves `static/` and the island bundles. `static/` is
 * indexed once at start-up (path, SHA-256, size, type), so a request is a map lookup: no path
 * a client sends is ever joined onto the file system, and ETags are content hashes.
 *
 * `asset("/styles.css")` → `/styles.css?v=1a2b3c4d` (the file's hash): such links are served
 * `immutable`; plain paths (or an old `v`) revalidate after an hour. A stylesheet's own
 * `url(/icons/x.svg)` references get the same treatment at start-up: the CSS is served with
 * `url(/icons/x.svg?v=…)`, and its hash is that of the rewritten text, so a changed icon
 * changes the stylesheet's URL too (what a bundler's CSS pass does, without a build step).
 */
import { getMimeType } from "hono/utils/mime";
import { getInternals } from "./context.ts";
import { BUNDLE_PREFIX, sha256Hex } from "./build_cache.ts";
import type { Middleware } from "./middleware.ts";

export interface StaticFile {
  /** Where it is on disk. */
  file: string;
  etag: string;
  /** The first 8 hex digits of the hash: `asset()`'s `v`. */
  version: string;
  size: number;
  contentType: string;
  /** The bytes to serve instead of the file (a stylesheet with its references versioned). */
  body?: Uint8Array;
}

const versions = new Map<string, string>();

/** `url(/x.svg)`, `url('/x.svg')`, `url("/x.svg")`: site-absolute references in CSS. */
const CSS_URL = /url\(\s*(['"]?)(\/[^'")\s?#]+)\1\s*\)/g;

async function describe(file: string, rel: string, bytes: Uint8Array): Promise<StaticFile> {
  const hash = await sha256Hex(bytes);
  return {
    file,
    etag: `"${hash.slice(0, 32)}"`,
    version: hash.slice(0, 8),
    size: bytes.byteLength,
    contentType: getMimeType(rel) ?? "application/octet-stream",
  };
}

/** Walks `dir` into URL path → facts, and records each file's version for `asset()`. */
export async function indexStaticFiles(dir: string): Promise<Map<string, StaticFile>> {
  const index = new Map<string, StaticFile>();
  const stylesheets: string[] = [];
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
      if (rel.toLowerCase().endsWith(".css")) {
        stylesheets.push(rel);
        continue;
      }
      index.set(rel, await describe(`${dir}${rel}`, rel, await Deno.readFile(`${dir}${rel}`)));
    }
  }
  await walk("");
  // After every other file, so their versions are known.
  for (const rel of stylesheets) {
    const text = await Deno.readTextFile(`${dir}${rel}`);
    const body = new TextEncoder().encode(text.replace(CSS_URL, (whole, quote, path) => {
      const target = index.get(path);
      return target ? `url(${quote}${path}?v=${target.version}${quote})` : whole;
    }));
    index.set(rel, { ...(await describe(`${dir}${rel}`, rel, body)), body });
  }
  for (const [rel, file] of index) versions.set(rel, file.version);
  return index;
}

/** A cache-busted URL for a file in `static/`. */
export function asset(path: string): string {
  const v = versions.get(path);
  return v ? `${path}?v=${v}` : path;
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "public, max-age=3600";

/**
 * The tag of `header` (If-None-Match) that matches `etag`, weakly (RFC 9110 §13.1.2), or
 * null. A weak match is answered weak: that client holds a compressed copy, whose ETag the
 * compression middleware made weak.
 */
function matchingTag(header: string | null, etag: string): string | null {
  if (!header) return null;
  for (const t of header.split(",")) {
    const tag = t.trim();
    if (tag === "*" || tag === etag) return etag;
    if (tag === `W/${etag}`) return tag;
  }
  return null;
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
        headers: {
          "content-type": "text/javascript; charset=utf-8",
          "content-length": String(bytes.byteLength),
          "cache-control": IMMUTABLE,
        },
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
      // Only the current version is immutable: an old `v` may be a page still in a cache.
      "cache-control": url.searchParams.get("v") === file.version ? IMMUTABLE : REVALIDATE,
    });
    const matched = matchingTag(req.headers.get("if-none-match"), file.etag);
    if (matched) {
      headers.set("etag", matched);
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(file.size));
    if (req.method === "HEAD") return new Response(null, { headers });
    if (file.body) return new Response(file.body as BodyInit, { headers });
    let handle: Deno.FsFile;
    try {
      handle = await Deno.open(file.file, { read: true });
    } catch {
      return await ctx.next(); // removed since start-up
    }
    return new Response(handle.readable, { headers });
  };
}
