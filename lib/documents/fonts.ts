/**
 * The bundled DejaVu Sans (regular and bold). Deno Deploy has no system fonts and the
 * standard PDF fonts (WinAnsi) cannot print Polish ł ś ż, so the TTFs ship with the code and
 * are read once per process.
 */
import fontkit from "@pdf-lib/fontkit";

export interface FontFiles {
  regular: Uint8Array;
  bold: Uint8Array;
  /**
   * A fontkit stand-in for `doc.registerFontkit()` that returns fonts parsed once per process:
   * parsing the two 700 KB TTFs was most of a document's generation time.
   */
  fontkit: { create(bytes: Uint8Array): unknown };
  /** Code points both faces can draw; anything else is replaced before drawing. */
  charset: ReadonlySet<number>;
}

let loading: Promise<FontFiles> | undefined;

export function loadFonts(): Promise<FontFiles> {
  loading ??= (async () => {
    const [regular, bold] = await Promise.all([
      Deno.readFile(new URL("./fonts/DejaVuSans.ttf", import.meta.url)),
      Deno.readFile(new URL("./fonts/DejaVuSans-Bold.ttf", import.meta.url)),
    ]);
    const parsed = new Map<Uint8Array, ReturnType<typeof fontkit.create>>([
      [regular, fontkit.create(regular)],
      [bold, fontkit.create(bold)],
    ]);
    for (const font of parsed.values()) simplifyLayout(font);
    const r = new Set(parsed.get(regular)!.characterSet);
    const b = new Set(parsed.get(bold)!.characterSet);
    const charset = new Set([...r].filter((c) => b.has(c)));
    const cached = {
      create: (bytes: Uint8Array) => parsed.get(bytes) ?? fontkit.create(bytes),
    };
    return { regular, bold, fontkit: cached, charset };
  })();
  // A failed read (missing file) must not be cached forever.
  loading.catch(() => loading = undefined);
  return loading;
}

type FontkitFont = ReturnType<typeof fontkit.create>;

/**
 * pdf-lib asks fontkit to lay out every string it measures or draws but only reads the
 * glyphs. Full OpenType shaping (GSUB/GPOS lookups) was most of the remaining time and buys
 * nothing for Latin text whose letters (ł, ñ, ą) are single precomposed code points; it would
 * only form "fi" ligatures, which copy and search worse. So glyphs come straight from the cmap.
 */
function simplifyLayout(font: FontkitFont) {
  const f = font as unknown as {
    glyphForCodePoint(cp: number): unknown;
    layout(text: string): { glyphs: unknown[] };
  };
  f.layout = (text: string) => {
    const glyphs: unknown[] = [];
    for (const ch of text) glyphs.push(f.glyphForCodePoint(ch.codePointAt(0)!));
    return { glyphs };
  };
}
