/**
 * What a page's JavaScript weighs, split as the browser loads it (bench/run.ts pageWeight(),
 * checked by tests/framework/script_weight_test.ts). Initial, before any click: the page's
 * `<script src>` and what they import statically. On interaction: the entries of
 * hydrate-on-interaction islands (`data-src`) and every `import("./…")`, with what those
 * import in turn, minus what already came. Sizes are gzip, file by file.
 */
import { gzipSync } from "node:zlib";

export interface Weight {
  gzip: number;
  files: string[];
}

export async function scriptWeights(
  html: string,
  load: (src: string) => Promise<Uint8Array>,
): Promise<{ initial: Weight; lazy: Weight }> {
  const seen = new Set<string>();
  const lazyRoots = [...html.matchAll(/data-hydrate="interaction" data-src="([^"]+)"/g)]
    .map((m) => m[1]);
  const crawl = async (queue: string[]): Promise<Weight> => {
    const weight: Weight = { gzip: 0, files: [] };
    while (queue.length) {
      const src = queue.shift()!;
      if (seen.has(src)) continue;
      seen.add(src);
      const bytes = await load(src);
      weight.gzip += gzipSync(bytes).byteLength;
      weight.files.push(src);
      const text = new TextDecoder().decode(bytes);
      const near = (file: string) => src.replace(/[^/]+$/, file);
      for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) queue.push(near(m[1]));
      for (const m of text.matchAll(/import\(\s*"\.\/([^"]+\.js)"\s*\)/g)) {
        lazyRoots.push(near(m[1]));
      }
    }
    return weight;
  };
  const initial = await crawl([...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]));
  // `lazyRoots` grows while it is crawled (dynamic imports of lazy code): one queue.
  return { initial, lazy: await crawl(lazyRoots) };
}
