/**
 * Measures a rendered page's layout in the browser and returns what a customer would see as
 * broken, as readable offender strings (empty when the page holds):
 *
 * - `overflow`: a text container whose content is wider than its box (scrollWidth >
 *   clientWidth + 1), and a document wider than the viewport;
 * - `zeroSize`: a visible element that has text of its own but a zero width or height;
 * - `smallTargets`: an interactive element (links, buttons, inputs, selects, summaries)
 *   under 48 × 48 px; links inside running text are exempt (WCAG 2.5.8's inline exception);
 * - `wrapped`: an element matched by `oneLine` (amounts, dates, order numbers) whose text
 *   takes more than one line (its rects' height is more than one line box).
 *
 * Elements hidden by `display`, `visibility`, `sr-only` clipping (1 × 1 px), or outside the
 * page's layout (skip link) are ignored. Use: `assert.deepEqual(await auditLayout(page,
 * {oneLine: ".amount"}), NO_PROBLEMS)`.
 */
import type { Page } from "playwright-core";

export interface LayoutProblems {
  overflow: string[];
  zeroSize: string[];
  smallTargets: string[];
  wrapped: string[];
}

export const NO_PROBLEMS: LayoutProblems = {
  overflow: [],
  zeroSize: [],
  smallTargets: [],
  wrapped: [],
};

export interface AuditOptions {
  /** Selector of elements whose text must stay on one line. */
  oneLine?: string;
  /** Selector of elements to leave out (e.g. a component another test audits). */
  ignore?: string;
}

export async function auditLayout(page: Page, opts: AuditOptions = {}): Promise<LayoutProblems> {
  return await page.evaluate(({ oneLine, ignore }) => {
    const out = { overflow: [], zeroSize: [], smallTargets: [], wrapped: [] } as {
      overflow: string[];
      zeroSize: string[];
      smallTargets: string[];
      wrapped: string[];
    };
    const describe = (el: Element) => {
      const cls = el.getAttribute("class");
      const text = (el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 50);
      return `${el.tagName.toLowerCase()}${cls ? "." + cls.split(/\s+/).join(".") : ""} "${text}"`;
    };
    const hidden = (el: Element): boolean => {
      if (ignore && el.closest(ignore)) return true;
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") return true;
      // sr-only and similar: clipped to a pixel on purpose.
      for (let e: Element | null = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)") return true;
        if (e.classList.contains("sr-only") || e.classList.contains("skip-link")) return true;
      }
      return !(el as HTMLElement).offsetParent && style.position !== "fixed" &&
        el.tagName !== "BODY";
    };
    const ownText = (el: Element) =>
      [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? "").trim() !== "");

    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) {
      out.overflow.push(`document ${doc.scrollWidth} > ${doc.clientWidth}`);
    }
    for (const el of document.body.querySelectorAll<HTMLElement>("*")) {
      if (["SCRIPT", "STYLE", "svg", "OPTION", "BR", "TEMPLATE"].includes(el.tagName)) continue;
      if (hidden(el)) continue;
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (ownText(el) && (r.width === 0 || r.height === 0) && style.display !== "contents") {
        out.zeroSize.push(`${describe(el)} ${r.width}x${r.height}`);
      }
      // Overflowing text: a box that clips or scrolls (or is a table cell) and whose content
      // is wider than it. Inline boxes have no scroll size of their own.
      if (
        style.display !== "inline" && el.clientWidth > 0 && ownText(el) &&
        el.scrollWidth > el.clientWidth + 1 && el.tagName !== "TEXTAREA"
      ) {
        out.overflow.push(`${describe(el)} ${el.scrollWidth} > ${el.clientWidth}`);
      }
      // A child sticking out of its parent's content box (text spilling out of a card).
      const parent = el.parentElement;
      if (parent && ownText(el) && style.position !== "absolute" && style.position !== "fixed") {
        const pr = parent.getBoundingClientRect();
        if (r.right > pr.right + 1 || r.left < pr.left - 1) {
          const ps = getComputedStyle(parent);
          if (ps.overflowX === "visible" && parent.tagName !== "BODY") {
            out.overflow.push(`${describe(el)} sticks out of ${describe(parent)}`);
          }
        }
      }
    }
    const interactive = "a[href], button, input:not([type=hidden]), select, textarea, summary";
    for (const el of document.querySelectorAll<HTMLElement>(interactive)) {
      if (hidden(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // A link inside running text is exempt (WCAG 2.5.8 inline targets).
      if (el.tagName === "A" && !el.classList.contains("btn")) {
        const block = el.closest("p, li, dd, td");
        const style = getComputedStyle(el);
        if (
          block && style.display === "inline" &&
          block.textContent!.trim() !== el.textContent!.trim()
        ) {
          continue;
        }
      }
      if (r.width < 48 || r.height < 48) {
        out.smallTargets.push(`${describe(el)} ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    }
    if (oneLine) {
      for (const el of document.querySelectorAll<HTMLElement>(oneLine)) {
        if (hidden(el)) continue;
        const rects = [...el.getClientRects()];
        const lineHeight = parseFloat(getComputedStyle(el).lineHeight) ||
          parseFloat(getComputedStyle(el).fontSize) * 1.5;
        const tops = new Set(rects.map((x) => Math.round(x.top)));
        const height = el.getBoundingClientRect().height;
        if (tops.size > 1 || height > lineHeight * 1.5) {
          out.wrapped.push(`${describe(el)} ${tops.size} lines, ${Math.round(height)}px`);
        }
      }
    }
    return out;
  }, { oneLine: opts.oneLine ?? null, ignore: opts.ignore ?? null });
}

/** Whether the first element matching `selector` lies wholly inside the first screen. */
export async function inFirstScreen(page: Page, selector: string): Promise<boolean> {
  return await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
  }, selector);
}
