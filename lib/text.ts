/**
 * Plain-text rules shared by what operators send (lib/orders/input.ts refuses) and what the
 * portal writes out (lib/email/render.ts folds): one place says which characters end or bend a
 * line. No imports: islands may bundle it.
 */

/**
 * Characters that end a line, bend it or hide what follows it: C0 and C1 controls (CR, LF,
 * TAB, NUL, ESC…), the Unicode line and paragraph separators, the bidirectional embeddings,
 * overrides, isolates and marks ("Trojan Source", CVE-2021-42574) and the zero-width no-break
 * space.
 */
export const LINE_BREAKERS = /[\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;
const LINE_BREAKERS_RUN = /[\s\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]+/gu;

/** Characters as a person counts them (code points, not UTF-16 units). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** True when `s` is one line of well-formed text: no line breakers, no lone surrogates. */
export function isOneLine(s: string): boolean {
  return s.isWellFormed() && !LINE_BREAKERS.test(s);
}

/**
 * Folds any text into one line for a place that must be one (an email subject, a title):
 * every run of whitespace and line breakers becomes one space, lone surrogates become U+FFFD,
 * the result is trimmed and, past `max` characters, cut with an ellipsis.
 */
export function toOneLine(s: string, max = Infinity): string {
  const line = s.toWellFormed().normalize("NFC").replace(LINE_BREAKERS_RUN, " ").trim();
  if (codePoints(line) <= max) return line;
  return [...line].slice(0, Math.max(0, max - 1)).join("").trimEnd() + "…";
}
