/**
 * The one email layout, so a template is only its strings: a title, paragraphs, an optional
 * button and a footer become an HTML part (inline styles and tables, as mail clients need)
 * and a plain-text part with the same content. Everything passed in is plain text and is
 * escaped here; only http(s) links are accepted for the button. The title, the brand line and
 * the button label are folded into one line each (lib/text.ts): they come from stored names,
 * and a name stored before names were checked must not break the layout or a subject.
 */
import type { Locale } from "@/lib/orders/model.ts";
import { toOneLine } from "@/lib/text.ts";

export interface EmailContent {
  locale: Locale;
  title: string;
  /** Plain-text paragraphs, in order. */
  paragraphs: string[];
  /**
   * The call to action. `fallback` ("If the button does not work, copy this link:") makes
   * the HTML part spell the link out under the button; the text part always shows it.
   */
  button?: { label: string; href: string; fallback?: string };
  /** Small print: who sent this and why, contact details. */
  footer: string | string[];
  /** Optional line above the title, e.g. the org's name. */
  brand?: string;
}

export interface RenderedEmail {
  html: string;
  text: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function safeHref(href: string): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new Error("An email button needs an absolute URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error("An email button links only to http(s) URLs.");
  }
  return url.href;
}

const FONT = "font-family:Arial,Helvetica,sans-serif";
const P = `margin:0 0 16px;${FONT};font-size:16px;line-height:1.5;color:#1f2937`;

/**
 * @example
 * const { html, text } = renderEmail({
 *   locale: "es", title: "Incidencia registrada", paragraphs: ["Hemos recibido…"],
 *   button: { label: "Ver el pedido", href: orderUrl }, footer: "ACME Manufacturing",
 * });
 */
export function renderEmail(content: EmailContent): RenderedEmail {
  const c: EmailContent = {
    ...content,
    title: toOneLine(content.title),
    ...(content.brand !== undefined ? { brand: toOneLine(content.brand) } : {}),
    ...(content.button
      ? { button: { ...content.button, label: toOneLine(content.button.label) } }
      : {}),
  };
  const href = c.button ? safeHref(c.button.href) : undefined;
  const footer = Array.isArray(c.footer) ? c.footer : [c.footer];
  const para = (s: string) => `<p style="${P}">${escapeHtml(s)}</p>`;

  const html = [
    "<!DOCTYPE html>",
    `<html lang="${escapeHtml(c.locale)}" dir="ltr">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(c.title)}</title>`,
    "</head>",
    '<body style="margin:0;padding:0;background:#f3f4f6">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6">',
    '<tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px">',
    '<tr><td style="padding:32px 28px">',
    c.brand
      ? `<p style="margin:0 0 8px;${FONT};font-size:14px;color:#4b5563">${escapeHtml(c.brand)}</p>`
      : "",
    `<h1 style="margin:0 0 24px;${FONT};font-size:24px;line-height:1.3;color:#111827">${
      escapeHtml(c.title)
    }</h1>`,
    ...c.paragraphs.map(para),
    c.button && href
      ? `<p style="margin:24px 0"><a href="${escapeHtml(href)}" style="display:inline-block;` +
        `padding:14px 28px;min-height:20px;background:#1d4ed8;color:#ffffff;${FONT};` +
        `font-size:16px;font-weight:bold;text-decoration:none;border-radius:6px">${
          escapeHtml(c.button.label)
        }</a></p>`
      : "",
    c.button?.fallback && href
      ? `<p style="${P};font-size:14px">${escapeHtml(c.button.fallback)}<br>` +
        `<a href="${escapeHtml(href)}" style="color:#1d4ed8;word-break:break-all">${
          escapeHtml(href)
        }</a></p>`
      : "",
    "</td></tr>",
    '<tr><td style="padding:20px 28px;border-top:1px solid #e5e7eb">',
    ...footer.map((s) =>
      `<p style="margin:0 0 8px;${FONT};font-size:13px;line-height:1.5;color:#4b5563">${
        escapeHtml(s)
      }</p>`
    ),
    "</td></tr>",
    "</table>",
    "</td></tr>",
    "</table>",
    "</body>",
    "</html>",
  ].filter((s) => s !== "").join("\n");

  const text = [
    ...(c.brand ? [c.brand, ""] : []),
    c.title,
    "=".repeat(Math.min(c.title.length, 60)),
    "",
    ...c.paragraphs.flatMap((p) => [p, ""]),
    ...(c.button && href ? [`${c.button.label}: ${href}`, ""] : []),
    "--",
    ...footer,
  ].join("\n");

  return { html, text };
}
