/** The Report Issue catalogue has the same keys in en, es and pl; the shared rules agree. */
import { keyParityProblems } from "@/lib/i18n/messages.ts";
import { formMessages, issueMessages } from "@/lib/issues/messages.ts";
import { checkReport, sniffType } from "@/lib/issues/rules.ts";
import assert from "node:assert/strict";

Deno.test("issue messages: identical keys in the three languages, no empty string", () => {
  const cat = issueMessages.catalogue as unknown as Record<string, Record<string, unknown>>;
  assert.deepEqual(keyParityProblems(cat), []);
  for (const lang of ["en", "es", "pl"] as const) {
    for (const [k, v] of Object.entries(cat[lang])) {
      assert.deepEqual(typeof v === "string" && v.trim().length > 0, true, `${lang}.${k}`);
    }
    assert.deepEqual(Object.keys(formMessages(lang)).some((k) => k.startsWith("email_")), false);
  }
  assert.deepEqual(
    issueMessages.t("pl", "success"),
    "Problem zgłoszony. Skontaktujemy się w ciągu 24 godzin.",
  );
});

Deno.test("client rules: the same bounds as the server", () => {
  const ok = {
    issue_type: "damaged",
    description: "1234567890",
    contact_email: "a@b.co",
    contact_phone: "",
  };
  assert.deepEqual(checkReport(ok), {});
  assert.deepEqual(checkReport({ ...ok, description: " 123456789 " }), {
    description: "err_description_short",
  });
  assert.deepEqual(checkReport({ ...ok, description: "x".repeat(1000) }), {});
  assert.deepEqual(checkReport({ ...ok, description: "x".repeat(1001) }), {
    description: "err_description_long",
  });
  assert.deepEqual(
    checkReport({ ...ok, issue_type: "", contact_email: "nope", contact_phone: "abc" }),
    {
      issue_type: "err_issue_type",
      contact_email: "err_email",
      contact_phone: "err_phone",
    },
  );
  assert.deepEqual(sniffType(new Uint8Array([0xff, 0xd8, 0xff, 0xdb])), "image/jpeg");
  assert.deepEqual(
    sniffType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    "image/png",
  );
  assert.deepEqual(sniffType(new TextEncoder().encode("%PDF-1.4")), "application/pdf");
  assert.deepEqual(sniffType(new TextEncoder().encode("GIF89a")), null);
  assert.deepEqual(sniffType(new Uint8Array([0x89, 0x50])), null);
});
