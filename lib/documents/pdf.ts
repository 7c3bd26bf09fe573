/**
 * The three order documents (order confirmation, packing slip, invoice) drawn with pdf-lib.
 *
 * Deterministic on purpose: the same order, org, customer and locale give the same bytes,
 * so an ETag can be computed without generating and a cached copy is never stale in a way
 * the ETag does not show. That means: metadata dates come from the order's `updated_at`,
 * fixed producer/creator, a fixed font subset name (pdf-lib would add a pseudo-random
 * suffix), and no trailer /ID (pdf-lib writes none for a new document).
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb } from "pdf-lib";
import type { Customer, DocumentId, Locale, Order, Org } from "@/lib/orders/model.ts";
import { loadFonts } from "./fonts.ts";
import { formatDate, formatMoney, formatQty } from "./format.ts";
import { type DocumentMessageKey, t } from "./messages.ts";

export interface DocumentInput {
  order: Order;
  org: Org;
  customer: Customer;
  locale: Locale;
}

/** Bump when the layout changes: it is part of every ETag (lib/documents/etag.ts). */
export const LAYOUT_VERSION = "2";

const PRODUCER = "MonoPilot Customer Portal (pdf-lib)";
const CREATOR = "MonoPilot Customer Portal";

// A4 in points.
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN = 42;
const CONTENT_W = PAGE_W - 2 * MARGIN;
const FOOTER_Y = 26;
const BOTTOM = 50;

const BLACK = rgb(0.1, 0.1, 0.12);
const GREY = rgb(0.4, 0.4, 0.45);
const RULE = rgb(0.8, 0.8, 0.83);
const HEADER_FILL = rgb(0.93, 0.94, 0.96);
const VOID_RED = rgb(0.72, 0.11, 0.11);

const SIZE = 9;
const LINE = 12;

interface Column {
  key: DocumentMessageKey;
  width: number;
  align: "left" | "right";
  value(line: Order["lines"][number], input: DocumentInput): string;
}

const PRICED_COLUMNS: Column[] = [
  { key: "col.itemCode", width: 78, align: "left", value: (l) => l.item_code },
  { key: "col.description", width: 0, align: "left", value: (l) => l.description },
  {
    key: "col.qty",
    width: 78,
    align: "right",
    value: (l, i) => formatQty(l.qty_ordered, l.uom, i.locale),
  },
  {
    key: "col.unitPrice",
    width: 82,
    align: "right",
    value: (l, i) => formatMoney(l.unit_price, i.order.currency, i.locale),
  },
  {
    key: "col.lineTotal",
    width: 84,
    align: "right",
    value: (l, i) => formatMoney(l.line_total, i.order.currency, i.locale),
  },
];

const PACKING_COLUMNS: Column[] = [
  { key: "col.itemCode", width: 90, align: "left", value: (l) => l.item_code },
  { key: "col.description", width: 0, align: "left", value: (l) => l.description },
  {
    key: "col.qty",
    width: 100,
    align: "right",
    value: (l, i) => formatQty(l.qty_ordered, l.uom, i.locale),
  },
  // An empty box per line for the person unpacking to tick.
  { key: "col.checked", width: 70, align: "right", value: () => "" },
];

/** Lays the description column out in whatever width the fixed columns leave. */
function sized(columns: Column[]): Array<Column & { x: number }> {
  const fixed = columns.reduce((s, c) => s + c.width, 0);
  let x = MARGIN;
  return columns.map((c) => {
    const width = c.width || CONTENT_W - fixed;
    const col = { ...c, width, x };
    x += width;
    return col;
  });
}

/** Generates one document as PDF bytes. */
export async function renderDocument(id: DocumentId, input: DocumentInput): Promise<Uint8Array> {
  const fonts = await loadFonts();
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fonts.fontkit as Parameters<typeof doc.registerFontkit>[0]);
  // Subset: only the glyphs used are embedded (a few KB instead of 750 KB per face). The
  // "XXXXXX+" tag marks a subset by PDF convention; fixed instead of pdf-lib's random suffix.
  const regular = await doc.embedFont(fonts.regular, {
    subset: true,
    customName: "MPDOCS+DejaVuSans",
  });
  const bold = await doc.embedFont(fonts.bold, {
    subset: true,
    customName: "MPDOCT+DejaVuSans-Bold",
  });

  const w = new Writer(doc, regular, bold, fonts.charset, id, input);
  w.render();

  const { order, org, locale } = input;
  const title = `${t(locale, `doc.${id}`)} ${
    id === "invoice" ? order.invoice_number : order.order_number
  }`;
  doc.setTitle(w.clean(title));
  doc.setAuthor(w.clean(org.name));
  doc.setSubject(w.clean(`${t(locale, "field.orderNumber")} ${order.order_number}`));
  doc.setLanguage(locale);
  doc.setProducer(PRODUCER);
  doc.setCreator(CREATOR);
  const stamp = new Date(order.updated_at);
  const when = Number.isNaN(stamp.getTime()) ? new Date(0) : stamp;
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  // Small documents are written in one go; a 20-page one yields to other requests meanwhile.
  return await doc.save({ useObjectStreams: true, objectsPerTick: 100 });
}

/** Draws pages top to bottom, starting a new page (with the headers) when one is full. */
class Writer {
  private pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;
  private readonly columns: Array<Column & { x: number }>;

  constructor(
    private doc: PDFDocument,
    private regular: PDFFont,
    private bold: PDFFont,
    private charset: ReadonlySet<number>,
    private id: DocumentId,
    private input: DocumentInput,
  ) {
    this.columns = sized(id === "packing-slip" ? PACKING_COLUMNS : PRICED_COLUMNS);
  }

  /** An invoice of a cancelled order: stamped cancelled, its note says nothing is due. */
  private get voided(): boolean {
    return this.id === "invoice" && this.input.order.status === "cancelled";
  }

  private tr(key: DocumentMessageKey, params?: Record<string, string | number>) {
    return t(this.input.locale, key, params);
  }

  /** Replaces what the font cannot draw (and control characters) so nothing prints as tofu. */
  clean(text: string): string {
    let out = "";
    for (const ch of text.replace(/[\r\n\t]+/g, " ")) {
      const cp = ch.codePointAt(0)!;
      out += this.charset.has(cp) ? ch : cp < 0x20 ? "" : "?";
    }
    return out;
  }

  render() {
    this.newPage(true);
    this.drawParties();
    this.drawTableHeader();
    for (const line of this.input.order.lines) this.drawRow(line);
    if (this.id === "packing-slip") this.drawPackingSummary();
    else this.drawTotals();
    this.drawNote();
    this.drawFooters();
  }

  private newPage(first = false) {
    this.page = this.doc.addPage([PAGE_W, PAGE_H]);
    this.pages.push(this.page);
    this.y = PAGE_H - MARGIN;
    this.drawPageHeader(first);
  }

  /** Room for `height` more points, or a new page whose table header is repeated. */
  private ensure(height: number, table: boolean) {
    if (this.y - height >= BOTTOM) return;
    this.newPage();
    if (table) this.drawTableHeader();
  }

  private text(
    s: string,
    x: number,
    y: number,
    opts: { font?: PDFFont; size?: number; color?: typeof BLACK; align?: "left" | "right" } = {},
  ) {
    const font = opts.font ?? this.regular;
    const size = opts.size ?? SIZE;
    const str = this.clean(s);
    if (!str) return;
    const dx = opts.align === "right" ? -font.widthOfTextAtSize(str, size) : 0;
    this.page.drawText(str, { x: x + dx, y, font, size, color: opts.color ?? BLACK });
  }

  /**
   * Greedy word wrap; words longer than the width are broken by characters. Widths add up
   * (no kerning: see fonts.ts), so each word is measured once, not each growing line.
   */
  private wrap(s: string, width: number, font = this.regular, size = SIZE): string[] {
    const words = this.clean(s).split(/ +/).filter(Boolean);
    const measure = (x: string) => font.widthOfTextAtSize(x, size);
    const space = measure(" ");
    const lines: string[] = [];
    let cur = "";
    let curWidth = 0;
    for (const word of words) {
      const w = measure(word);
      if (cur && curWidth + space + w <= width) {
        cur += " " + word;
        curWidth += space + w;
        continue;
      }
      if (cur) lines.push(cur);
      if (w <= width) {
        cur = word;
        curWidth = w;
        continue;
      }
      // Longer than a whole line: cut by characters.
      cur = "";
      curWidth = 0;
      for (const ch of word) {
        const cw = measure(ch);
        if (cur && curWidth + cw > width) {
          lines.push(cur);
          cur = "";
          curWidth = 0;
        }
        cur += ch;
        curWidth += cw;
      }
    }
    if (cur) lines.push(cur);
    return lines.length ? lines : [""];
  }

  private rule(y: number, color = RULE) {
    this.page.drawLine({
      start: { x: MARGIN, y },
      end: { x: PAGE_W - MARGIN, y },
      thickness: 0.6,
      color,
    });
  }

  /** Org name and contact on the left, document title and numbers on the right; every page. */
  private drawPageHeader(first: boolean) {
    const { org, order } = this.input;
    const top = this.y;
    const nameLines = this.wrap(org.name, CONTENT_W / 2, this.bold, 14);
    let y = top - 12;
    for (const line of nameLines) {
      this.text(line, MARGIN, y, { font: this.bold, size: 14 });
      y -= 16;
    }
    const contact = [org.support_email, org.support_phone].filter(Boolean).join("  ·  ");
    if (contact) {
      this.text(`${this.tr("field.contact")}: ${contact}`, MARGIN, y + 2, {
        size: 8.5,
        color: GREY,
      });
      y -= 12;
    }
    const right = PAGE_W - MARGIN;
    this.text(this.tr(`doc.${this.id}`), right, top - 14, {
      font: this.bold,
      size: first ? 18 : 13,
      align: "right",
    });
    const numbers = this.id === "invoice"
      ? `${order.invoice_number}  ·  ${order.order_number}`
      : order.order_number;
    this.text(numbers, right, top - (first ? 30 : 27), { size: 10, align: "right" });
    // A cancelled order's invoice says so on every page, so nobody pays it.
    if (this.voided) {
      this.text(this.tr("stamp.cancelled"), right, top - (first ? 46 : 41), {
        font: this.bold,
        size: first ? 13 : 10,
        color: VOID_RED,
        align: "right",
      });
      y = Math.min(y, top - (first ? 50 : 45));
    }
    this.y = Math.min(y, top - 36) - 4;
    this.rule(this.y);
    this.y -= 16;
  }

  /** First page: who it is for and where it goes, beside the order's numbers and dates. */
  private drawParties() {
    const { order, customer, locale } = this.input;
    const half = CONTENT_W / 2 - 10;
    const top = this.y;
    let y = top;
    const label = (s: string, x: number, yy: number) =>
      this.text(s.toUpperCase(), x, yy, { size: 7.5, color: GREY, font: this.bold });

    label(this.tr("field.customer"), MARGIN, y);
    y -= LINE + 1;
    for (const line of this.wrap(customer.name, half, this.bold, 10)) {
      this.text(line, MARGIN, y, { font: this.bold, size: 10 });
      y -= LINE + 1;
    }
    this.text(`${this.tr("field.customerRef")}: ${customer.ref}`, MARGIN, y, { color: GREY });
    y -= LINE + 6;
    label(this.tr("field.deliveryAddress"), MARGIN, y);
    y -= LINE;
    // Addresses arrive as one string; honour line breaks and commas the ERP used.
    const parts = order.delivery_address.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    for (const part of parts) {
      for (const line of this.wrap(part, half)) {
        this.text(line, MARGIN, y);
        y -= LINE;
      }
    }

    const facts: Array<[DocumentMessageKey, string]> = [
      ["field.orderNumber", order.order_number],
      ...(this.id === "invoice"
        ? [["field.invoiceNumber", order.invoice_number] as [DocumentMessageKey, string]]
        : []),
      // The customer's PO: what their accounts payable matches an invoice against.
      ...(order.customer_po
        ? [["field.customerPo", order.customer_po] as [DocumentMessageKey, string]]
        : []),
      ["field.orderDate", formatDate(order.order_date, locale)],
      order.status === "cancelled"
        ? ["field.cancelledOn", formatDate(order.cancelled_at ?? order.updated_at, locale)]
        : ["field.deliveryDate", formatDate(order.delivery_date, locale)],
      ["field.itemsCount", String(order.lines.length)],
      ["field.currency", order.currency],
    ];
    const x = MARGIN + CONTENT_W / 2 + 10;
    let ry = top;
    for (const [key, value] of facts) {
      const label = this.tr(key);
      this.text(label, x, ry, { color: GREY });
      // A long value (a 35-character PO) goes under its label rather than over it.
      const room = PAGE_W - MARGIN - x - this.regular.widthOfTextAtSize(this.clean(label), SIZE) -
        8;
      if (this.bold.widthOfTextAtSize(this.clean(value), SIZE) > room) ry -= LINE;
      this.text(value, PAGE_W - MARGIN, ry, { align: "right", font: this.bold });
      ry -= LINE + 2;
    }
    this.y = Math.min(y, ry) - 14;
  }

  private drawTableHeader() {
    const h = 18;
    this.page.drawRectangle({
      x: MARGIN,
      y: this.y - h + 5,
      width: CONTENT_W,
      height: h,
      color: HEADER_FILL,
    });
    for (const c of this.columns) {
      const x = c.align === "right" ? c.x + c.width - 4 : c.x + 4;
      this.text(this.tr(c.key), x, this.y - 8, { font: this.bold, align: c.align, size: 8.5 });
    }
    this.y -= h + 6;
  }

  private drawRow(line: Order["lines"][number]) {
    const cells = this.columns.map((c) => {
      const value = c.value(line, this.input);
      // Every cell wraps: codes (64 chars) and quantities with units can outgrow their column.
      return this.wrap(value, c.width - 8);
    });
    const rows = Math.max(...cells.map((c) => c.length));
    const height = rows * LINE + 6;
    this.ensure(height, true);
    this.columns.forEach((c, i) => {
      cells[i].forEach((text, r) => {
        const x = c.align === "right" ? c.x + c.width - 4 : c.x + 4;
        this.text(text, x, this.y - r * LINE, { align: c.align });
      });
      if (c.key === "col.checked") {
        this.page.drawRectangle({
          x: c.x + c.width - 14,
          y: this.y - 2,
          width: 9,
          height: 9,
          borderColor: GREY,
          borderWidth: 0.7,
        });
      }
    });
    this.y -= rows * LINE;
    this.rule(this.y + 2);
    this.y -= 10;
  }

  private drawTotals() {
    const { order, locale } = this.input;
    const money = (v: string) => formatMoney(v, order.currency, locale);
    const rows: Array<[string, string, boolean]> = [
      [this.tr("total.subtotal"), money(order.subtotal), false],
      [this.tr("total.tax"), money(order.tax), false],
      [
        this.tr("total.shipping"),
        order.shipping === undefined ? this.tr("total.shippingIncluded") : money(order.shipping),
        false,
      ],
      [this.tr("total.total"), money(order.total), true],
    ];
    this.ensure(rows.length * (LINE + 3) + 10, false);
    this.y -= 4;
    const labelX = PAGE_W - MARGIN - 200;
    for (const [label, value, strong] of rows) {
      const font = strong ? this.bold : this.regular;
      const size = strong ? 11 : SIZE;
      if (strong) {
        this.page.drawLine({
          start: { x: labelX, y: this.y + LINE - 2 },
          end: { x: PAGE_W - MARGIN, y: this.y + LINE - 2 },
          thickness: 0.6,
          color: RULE,
        });
        this.y -= 3;
      }
      this.text(label, labelX, this.y, { font, size });
      this.text(value, PAGE_W - MARGIN - 4, this.y, { font, size, align: "right" });
      this.y -= LINE + 3;
    }
  }

  private drawPackingSummary() {
    this.ensure(LINE + 10, false);
    this.y -= 4;
    this.text(
      `${this.tr("field.itemsCount")}: ${this.input.order.lines.length}`,
      PAGE_W - MARGIN - 4,
      this.y,
      { font: this.bold, align: "right" },
    );
    this.y -= LINE + 3;
  }

  private drawNote() {
    const key: DocumentMessageKey = this.voided
      ? "note.invoiceCancelled"
      : this.id === "invoice"
      ? "note.invoice"
      : this.id === "packing-slip"
      ? "note.packingSlip"
      : "note.confirmation";
    const lines = this.wrap(this.tr(key, { email: this.input.org.support_email }), CONTENT_W);
    this.ensure(lines.length * LINE + 12, false);
    this.y -= 12;
    for (const line of lines) {
      this.text(line, MARGIN, this.y, {
        color: this.voided ? VOID_RED : GREY,
        font: this.voided ? this.bold : this.regular,
      });
      this.y -= LINE;
    }
  }

  /** "Page N of M" on every page, written once the page count is known. */
  private drawFooters() {
    const total = this.pages.length;
    const { order } = this.input;
    this.pages.forEach((page, i) => {
      this.page = page;
      this.rule(FOOTER_Y + 12);
      this.text(`${order.order_number} · ${this.tr(`doc.${this.id}`)}`, MARGIN, FOOTER_Y, {
        size: 8,
        color: GREY,
      });
      this.text(this.tr("footer.page", { n: i + 1, m: total }), PAGE_W - MARGIN, FOOTER_Y, {
        size: 8,
        color: GREY,
        align: "right",
      });
    });
  }
}
