/** The generated PDFs, read back with poppler's pdftotext and parsed with pdf-lib. */
import { PDFDocument } from "pdf-lib";
import { formatMoney, formatQty } from "@/lib/documents/format.ts";
import { renderDocument } from "@/lib/documents/pdf.ts";
import assert from "node:assert/strict";
import { bigOrder, customer, order, org, pdfText } from "@/tests/documents/order_helpers.ts";

/** pdftotext writes U+00A0 / U+202F as they are; compare on plain spaces. */
const spaces = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

Deno.test("invoice (pl): order number, invoice number, every line, exact totals, Polish name", async () => {
  const o = order({ currency: "PLN", tax: "1943.50", total: "10393.50", shipping: undefined });
  const bytes = await renderDocument("invoice", {
    order: o,
    org,
    customer: customer("pl"),
    locale: "pl",
  });
  assert.deepEqual(new TextDecoder().decode(bytes.slice(0, 5)), "%PDF-");
  const text = spaces(await pdfText(bytes));
  assert.match(text, /Hurtownia Łódź Żółć Śląsk/);
  assert.match(text, /ORD-008456/);
  assert.match(text, /INV-2026-00456/);
  assert.match(text, /Faktura/);
  for (const line of o.lines) {
    const row = new RegExp(
      [
        line.item_code,
        line.description,
        formatQty(line.qty_ordered, line.uom, "pl"),
        formatMoney(line.unit_price, "PLN", "pl"),
        formatMoney(line.line_total, "PLN", "pl"),
      ].map((s) => spaces(s).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"),
    );
    assert(row.test(text), `row for ${line.item_code} not found in:\n${text}`);
  }
  // Exact totals beside their labels, as Polish writes them (groups only from 5 digits).
  for (
    const [label, amount] of [
      ["Suma częściowa", "8450,00 zł"],
      ["Podatek", "1943,50 zł"],
      ["Razem", "10 393,50 zł"],
    ]
  ) {
    assert(new RegExp(`${label}\\s+${amount}`).test(text), `${label} ${amount} in:\n${text}`);
  }
  assert(/Wysyłka\s+W cenie/.test(text), "absent shipping prints as included");
  assert.match(text, /Strona 1 z 1/);
  assert.match(text, /14 sty 2026/);
});

Deno.test("packing slip: quantities with units, no prices", async () => {
  const bytes = await renderDocument("packing-slip", {
    order: order(),
    org,
    customer: customer("en"),
    locale: "en",
  });
  const text = await pdfText(bytes);
  assert.match(text, /Packing Slip/);
  assert.match(text, /200 boxes/);
  assert.match(text, /150 bags/);
  assert.match(text, /Chocolate Bars 24pk/);
  assert(!text.includes("$"), "no money on a packing slip");
  assert(!text.includes("18.50"), "no unit price on a packing slip");
  assert(!text.includes("INV-2026-00456"), "no invoice number on a packing slip");
});

Deno.test("order confirmation (es): Spanish labels and characters, shipping amount", async () => {
  const o = order({ shipping: "25.00", total: "8475.00", currency: "EUR" });
  const bytes = await renderDocument("order-confirmation", {
    order: o,
    org: { ...org, name: "Dulces Peña ¡Año Único!" },
    customer: customer("es", { name: "Pingüino Comercial ¿S.L.?" }),
    locale: "es",
  });
  const text = spaces(await pdfText(bytes));
  assert.match(text, /Confirmación de pedido/);
  assert.match(text, /Dulces Peña ¡Año Único!/);
  assert.match(text, /Pingüino Comercial ¿S\.L\.\?/);
  assert(/Envío\s+25,00 €/.test(text), text);
  assert(/Total\s+8475,00 €/.test(text), text);
  assert.match(text, /Página 1 de 1/);
});

Deno.test("60 lines flow over pages: header repeated, Page N of M, every line once", async () => {
  const o = bigOrder(60);
  const bytes = await renderDocument("invoice", {
    order: o,
    org,
    customer: customer(),
    locale: "en",
  });
  const pdf = await PDFDocument.load(bytes);
  const pages = pdf.getPageCount();
  assert(pages >= 2, `expected several pages, got ${pages}`);
  const text = await pdfText(bytes);
  const perPage = text.split("\f").filter((p) => p.trim());
  assert.deepEqual(perPage.length, pages);
  perPage.forEach((page, i) => {
    assert(
      /Item code\s+Description\s+Quantity\s+Unit price\s+Total/.test(page),
      `header p${i + 1}`,
    );
    assert.ok(page.includes(`Page ${i + 1} of ${pages}`), `missing ${`Page ${i + 1} of ${pages}`}`);
    assert.match(page, /ACME Manufacturing/);
  });
  for (const line of o.lines) {
    const hits = text.split(line.item_code).length - 1;
    assert.deepEqual(hits, 1, `${line.item_code} printed once`);
    assert.ok(
      text.includes(formatMoney(line.line_total, "USD", "en")),
      `missing ${formatMoney(line.line_total, "USD", "en")}`,
    );
  }
  const last = perPage[perPage.length - 1];
  assert(new RegExp(`Total\\s+\\$${o.total.replace(/\B(?=(\d{3})+\.)/g, ",")}`).test(last), last);
  assert.ok(
    last.includes(formatMoney(o.subtotal, "USD", "en")),
    `missing ${formatMoney(o.subtotal, "USD", "en")}`,
  );
});

Deno.test("deterministic: the same order gives the same bytes; a change gives other bytes", async () => {
  for (const id of ["order-confirmation", "packing-slip", "invoice"] as const) {
    const input = { order: bigOrder(25), org, customer: customer("pl"), locale: "pl" as const };
    const a = await renderDocument(id, input);
    const b = await renderDocument(id, structuredClone(input));
    assert.deepEqual(a, b, `${id} differs between two runs`);
    const c = await renderDocument(id, {
      ...input,
      order: { ...input.order, updated_at: "2026-02-01T00:00:00Z" },
    });
    assert(a.length !== c.length || a.some((x, i) => x !== c[i]), "updated_at is in the file");
  }
});

Deno.test("metadata: dates from updated_at, fixed producer, no trailer ID, fonts embedded as subsets", async () => {
  const bytes = await renderDocument("invoice", {
    order: order(),
    org,
    customer: customer(),
    locale: "en",
  });
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  assert.deepEqual(pdf.getCreationDate()?.toISOString(), "2026-01-15T10:30:00.000Z");
  assert.deepEqual(pdf.getModificationDate()?.toISOString(), "2026-01-15T10:30:00.000Z");
  assert.deepEqual(pdf.getProducer(), "MonoPilot Customer Portal (pdf-lib)");
  assert.deepEqual(pdf.getTitle(), "Invoice INV-2026-00456");
  const raw = new TextDecoder("latin1").decode(bytes);
  assert(!/\/ID\s*\[/.test(raw), "no random trailer /ID");
  const fonts = await new Deno.Command("pdffonts", {
    args: ["-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = fonts.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  const out = new TextDecoder().decode((await fonts.output()).stdout);
  assert(/MPDOCS\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes yes yes/.test(out), out);
  assert(bytes.length < 100_000, `a small subset, not the 750 KB font: ${bytes.length}`);
});

Deno.test("characters the font lacks print as '?', never break the document", async () => {
  const bytes = await renderDocument("invoice", {
    order: order({ delivery_address: "Ulica 1\nTokyo 東京 🚚\tZIP" }),
    org,
    customer: customer("en", { name: "Kanji 漢 Co." }),
    locale: "en",
  });
  const text = await pdfText(bytes);
  assert.match(text, /Kanji \? Co\./);
  assert.match(text, /Tokyo \?\? \? ZIP/);
});

Deno.test("the largest order the store accepts: 500 lines of maximal fields stay on the page", async () => {
  const long = (n: number, s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  const o = bigOrder(500, {
    delivery_address: long(1000, "Długa ulica 12, "),
    lines: bigOrder(500).lines.map((l, i) => ({
      ...l,
      item_code: long(64, `CODE${i}-`),
      description: long(300, "Zażółć gęślą jaźń "),
      uom: long(16, "kilogramów"),
      qty_ordered: "123456789.125",
    })),
  });
  const bytes = await renderDocument("invoice", {
    order: o,
    org: { ...org, name: long(200, "ACME Wielka Nazwa ") },
    customer: customer("pl", { name: long(200, "Hurtownia Łódź ") }),
    locale: "pl",
  });
  const pdf = await PDFDocument.load(bytes);
  assert(pdf.getPageCount() > 20, `pages: ${pdf.getPageCount()}`);
  // Everything drawn lies inside the page: pdftotext -bbox lists each word's box.
  const path = await Deno.makeTempFile({ suffix: ".pdf" });
  try {
    await Deno.writeFile(path, bytes);
    const out = await new Deno.Command("pdftotext", { args: ["-bbox", path, "-"], stdout: "piped" })
      .output();
    const html = new TextDecoder().decode(out.stdout);
    let words = 0;
    for (
      const m of html.matchAll(/xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"/g)
    ) {
      words++;
      const [xMin, yMin, xMax, yMax] = m.slice(1).map(Number);
      assert(xMin >= 30 && xMax <= 566 && yMin >= 20 && yMax <= 822, `word off the page: ${m[0]}`);
    }
    assert(words > 1000);
  } finally {
    await Deno.remove(path);
  }
  const text = await pdfText(bytes);
  assert(text.includes("CODE499-"), "the last line is there");
});
