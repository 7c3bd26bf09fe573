import { documentMessages, t } from "@/lib/documents/messages.ts";
import assert from "node:assert/strict";

Deno.test("document messages: en, es and pl have the same keys, none empty", () => {
  const en = Object.keys(documentMessages.en).sort();
  for (const locale of ["es", "pl"] as const) {
    assert.deepEqual(Object.keys(documentMessages[locale]).sort(), en, locale);
    for (const [k, v] of Object.entries(documentMessages[locale])) {
      assert(v.trim(), `${locale} ${k}`);
    }
  }
});

Deno.test("t() fills placeholders", () => {
  assert.deepEqual(t("pl", "footer.page", { n: 2, m: 3 }), "Strona 2 z 3");
  assert.deepEqual(
    t("en", "link.invoice", { invoice: "INV-2026-00456" }),
    "Invoice #INV-2026-00456 (PDF)",
  );
});
