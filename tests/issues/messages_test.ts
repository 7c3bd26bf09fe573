/** The Report Issue catalogue has the same keys in en, es and pl; the shared rules agree. */
import { keyParityProblems } from "@/lib/i18n/messages.ts";
import { formMessages, issueMessages } from "@/lib/issues/messages.ts";
import { checkReport, sniffType } from "@/lib/issues/rules.ts";
import { assertEquals } from "@/tests/helpers/assert.ts";

Deno.test("issue messages: identical keys in the three languages, no empty string", () => {
  const cat = issueMessages.catalogue as unknown as Record<string, Record<string, unknown>>;
  assertEquals(keyParityProblems(cat), []);
  for (const lang of ["en", "es", "pl"] as const) {
    for (const [k, v] of Object.entries(cat[lang])) {
      assertEquals(typeof v === "string" && v.trim().length > 0, true, `${lang}.${k}`);
    }
    assertEquals(Object.keys(formMessages(lang)).some((k) => k.startsWith("email_")), false);
  }
  assertEquals(
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
  assertEquals(checkReport(ok), {});
  assertEquals(checkReport({ ...ok, description: " 123456789 " }), {
    description: "err_description_short",
  });
  assertEquals(checkReport({ ...ok, description: "x".repeat(1000) }), {});
  assertEquals(checkReport({ ...ok, description: "x".repeat(1001) }), {
    description: "err_description_long",
  });
  assertEquals(
    checkReport({ ...ok, issue_type: "", contact_email: "nope", contact_phone: "abc" }),
    {
      issue_type: "err_issue_type",
      contact_email: "err_email",
      contact_phone: "err_phone",
    },
  );
  assertEquals(sniffType(new Uint8Array([0xff, 0xd8, 0xff, 0xdb])), "image/jpeg");
  assertEquals(
    sniffType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    "image/png",
  );
  assertEquals(sniffType(new TextEncoder().encode("%PDF-1.4")), "application/pdf");
  assertEquals(sniffType(new TextEncoder().encode("GIF89a")), null);
  assertEquals(sniffType(new Uint8Array([0x89, 0x50])), null);
});
