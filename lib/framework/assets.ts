/**
 * Cache-busted URLs for files in `static/`: `asset("/styles.css")` → `/styles.css?v=1a2b3c4d`,
 * hashed from the file's content when the app starts, so the link changes when the file does.
 */
const versions = new Map<string, string>();

export async function hashStaticFiles(staticDir: string, prefix = ""): Promise<void> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(`${staticDir}${prefix}`));
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = `${prefix}/${e.name}`;
    if (e.isDirectory) {
      await hashStaticFiles(staticDir, rel);
      continue;
    }
    const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(`${staticDir}${rel}`));
    const hex = Array.from(
      new Uint8Array(digest).slice(0, 4),
      (b) => b.toString(16).padStart(2, "0"),
    );
    versions.set(rel, hex.join(""));
  }
}

export function asset(path: string): string {
  const v = versions.get(path);
  return v ? `${path}?v=${v}` : path;
}
