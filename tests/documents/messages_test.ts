import { documentMessages, t } from "@/lib/documents/messages.ts";
import { assert, assertEquals } from "@/tests/helpers/assert.ts";

Deno.test("document messages: en, es and pl have the same keys, none empty", () => {
  const en = Object.keys(documentMessages.en).sort();
  for (const locale of ["es", "pl"] as const) {
    assertEquals(Object.keys(documentMessages[locale]).sort(), en, locale);
    for (const [k, v] of Object.entries(documentMessages[locale])) {
      assert(v.trim(), `${locale} ${k}`);
    }
  }
});

Deno.test("t() fills placeholders", () => {
  assertEquals(t("pl", "footer.page", { n: 2, m: 3 }), "Strona 2 z 3");
  assertEquals(
    t("en", "link.invoice", { invoice: "INV-2026-00456" }),
    "Invoice #INV-2026-00456 (PDF)",
  );
});
