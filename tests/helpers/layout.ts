/**
 * Layout measured in a real browser, for the browser tests of every page: what a customer
 * would see as broken at a given width and language. `auditLayout(page)` returns the
 * offenders (empty when the page holds):
 *
 * - `overflow`: an element with its own text whose content is wider than its box
 *   (`scrollWidth > clientWidth`), or inline text that sticks out of its block; text cut on
 *   purpose with `text-overflow: ellipsis` is fine;
 * - `zero_size`: a visible element with text but no width or no height (a file name squeezed
 *   to 0 px); visually hidden text (`.sr-only`, a 1 px clip) is meant for screen readers;
 * - `small_target`: a visible control under 48 × 48 px (links inside running text exempt);
 * - `split`: something that must stay on one line (`oneLine` selectors: amounts, order
 *   numbers, dates) broken over two;
 * - `broken_word`: a word of a `wholeWords` element (step labels) drawn over two lines, as
 *   `overflow-wrap: anywhere` or `hyphens: auto` would break it ("Zamówio|no"): each word's
 *   Range.getClientRects() must lie on one line;
 * - `document`: the page scrolls sideways.
 *
 * @example
 * const offenders = await auditLayout(page);
 * assert.deepEqual(offenders, [], `layout at 390 px, pl`);
 */
import type { Page } from "playwright-core";

export type OffenderKind =
  | "overflow"
  | "zero_size"
  | "small_target"
  | "split"
  | "broken_word"
  | "document";

export interface LayoutOffender {
  kind: OffenderKind;
  /** A short CSS path to the element (`main > section.card > p.glance__line`). */
  where: string;
  /** Its text (first 60 characters). */
  text: string;
  /** The measurement that failed, e.g. `scrollWidth 212 > clientWidth 180`. */
  detail: string;
}

export interface AuditOptions {
  /** Must render on one line. Default: `.money`, `.ordno`, `.nowrap`, `time`. */
  oneLine?: string[];
  /** Whose words must never break inside. Default: the step indicator's labels. */
  wholeWords?: string[];
  /** Elements (and their subtrees) to leave out, e.g. a third-party widget. */
  ignore?: string[];
  /** Minimum control size in px (48: INT-007 Accessibility, WCAG 2.5.5). */
  minTarget?: number;
}

const DEFAULT_ONE_LINE = [".money", ".ordno", ".nowrap", "time"];
const DEFAULT_WHOLE_WORDS = [".steps__label", ".steps__now"];

/** Every layout problem on the page as it is now (call it after the state to check is drawn). */
export async function auditLayout(page: Page, opts: AuditOptions = {}): Promise<LayoutOffender[]> {
  return await page.evaluate(
    ({ oneLine, wholeWords, ignore, minTarget }) => {
      const out: Array<{ kind: string; where: string; text: string; detail: string }> = [];
      const path = (el: Element): string => {
        const parts: string[] = [];
        for (let e: Element | null = el; e && e !== document.body && parts.length < 4;) {
          const cls = [...e.classList].slice(0, 2).map((c) => `.${c}`).join("");
          parts.unshift(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${cls}`);
          e = e.parentElement;
        }
        return parts.join(" > ");
      };
      const text = (el: Element) => (el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
      const ignored = (el: Element) => ignore.some((s) => el.closest(s));
      const shown = (el: Element) =>
        el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
      /** Visually hidden for screen readers: clipped to nothing or 1 px. */
      const visuallyHidden = (el: Element) => {
        for (let e: Element | null = el; e; e = e.parentElement) {
          const s = getComputedStyle(e);
          if (s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)") return true;
          if (e.classList.contains("sr-only")) return true;
        }
        return false;
      };
      const ownText = (el: Element) =>
        [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      const add = (kind: string, el: Element, detail: string) =>
        out.push({ kind, where: path(el), text: text(el), detail });

      const doc = document.documentElement;
      if (doc.scrollWidth > doc.clientWidth) {
        add("document", doc, `scrollWidth ${doc.scrollWidth} > clientWidth ${doc.clientWidth}`);
      }

      for (const el of document.body.querySelectorAll("*")) {
        if (["SCRIPT", "STYLE", "BR", "OPTION", "TEMPLATE"].includes(el.tagName)) continue;
        if (ignored(el) || !shown(el) || !ownText(el) || visuallyHidden(el)) continue;
        const style = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        if (r.width < 0.5 || r.height < 0.5) {
          add("zero_size", el, `${r.width.toFixed(1)} × ${r.height.toFixed(1)} px`);
          continue;
        }
        if (style.textOverflow === "ellipsis") continue;
        if (style.display === "inline") {
          // Inline text: it must stay inside the nearest block that clips or holds it.
          let box = el.parentElement;
          while (box && getComputedStyle(box).display === "inline") box = box.parentElement;
          if (!box) continue;
          const b = box.getBoundingClientRect();
          const inner = b.right - parseFloat(getComputedStyle(box).borderRightWidth);
          if (r.right > inner + 1 && b.width > 0) {
            add("overflow", el, `right ${r.right.toFixed(0)} > its block's ${inner.toFixed(0)}`);
          }
        } else if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
          add("overflow", el, `scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
        }
      }

      for (
        const el of document.body.querySelectorAll<HTMLElement>(
          "a[href], button, select, input:not([type=hidden]), textarea, summary, [role=button]",
        )
      ) {
        if (ignored(el) || !shown(el) || el.classList.contains("skip-link")) continue;
        // A link inside running text is exempt (WCAG 2.5.5's inline exception).
        if (el.tagName === "A" && !el.classList.contains("btn") && el.closest("p, li p, dd")) {
          continue;
        }
        // A transparent file input laid over its styled label is measured by its label.
        const target = el.matches("input[type=file]") && getComputedStyle(el).opacity === "0"
          ? el.parentElement ?? el
          : el;
        const r = target.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
          add("small_target", el, `${r.width.toFixed(1)} × ${r.height.toFixed(1)} px`);
        }
      }

      for (const el of document.body.querySelectorAll(oneLine.join(","))) {
        if (ignored(el) || !shown(el) || visuallyHidden(el)) continue;
        const rects = [...el.getClientRects()].filter((r) => r.width > 0);
        const lineHeight = parseFloat(getComputedStyle(el).lineHeight) ||
          parseFloat(getComputedStyle(el).fontSize) * 1.5;
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        const tall = rects.length === 1 && rects[0].height > lineHeight * 1.6;
        if (tops.size > 1 || tall) {
          add("split", el, `${tops.size} lines, ${rects[0]?.height.toFixed(0)} px high`);
        }
      }

      // A word is a run of letters and digits: a break at a space or a hyphen is fine, one
      // inside the run (with or without an inserted hyphen) is not.
      for (const el of document.body.querySelectorAll(wholeWords.join(","))) {
        if (ignored(el) || !shown(el) || visuallyHidden(el)) continue;
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const m of node.textContent!.matchAll(/[\p{L}\p{N}]+/gu)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set(
              [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
            );
            if (tops.size > 1) add("broken_word", el, `"${m[0]}" drawn on ${tops.size} lines`);
          }
        }
      }
      return out;
    },
    {
      oneLine: opts.oneLine ?? DEFAULT_ONE_LINE,
      wholeWords: opts.wholeWords ?? DEFAULT_WHOLE_WORDS,
      ignore: opts.ignore ?? [],
      minTarget: opts.minTarget ?? 48,
    },
  ) as LayoutOffender[];
}

/**
 * Whether the element shows in the first screen (the viewport at scroll 0): its top edge and
 * at least `minVisible` px of it (or all of it, if smaller) above the fold.
 */
export async function inFirstScreen(page: Page, selector: string, minVisible = 48) {
  return await page.locator(selector).first().evaluate((el, min) => {
    const r = el.getBoundingClientRect();
    const top = r.top + globalThis.scrollY;
    return r.height > 0 && top >= 0 && top + Math.min(r.height, min) <= globalThis.innerHeight;
  }, minVisible);
}

/** `offenders` as one readable line each, for assertion messages. */
export function describe(offenders: LayoutOffender[]): string {
  return offenders.map((o) => `${o.kind}: ${o.where} "${o.text}" (${o.detail})`).join("\n");
}
