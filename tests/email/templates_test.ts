/** Email layout and the magic-link template: escaping, locales, both parts, once per link. */
import { loadConfig } from "@/lib/config.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { renderEmail } from "@/lib/email/render.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import {
  magicLinkMessages,
  renderMagicLinkEmail,
  sendMagicLinkEmail,
} from "@/lib/email/templates/magic_link.ts";
import { setLogSink } from "@/lib/log.ts";
import type { Customer, Org } from "@/lib/orders/model.ts";
import { startQueueListener, waitForQueueIdle } from "@/lib/queue/queue.ts";
import { type Services, systemClock } from "@/lib/services.ts";
import { assert, assertEquals, assertStringIncludes } from "@/tests/helpers/assert.ts";

setLogSink(() => {});

const org: Org = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.com",
  support_phone: "(555) 123-4567",
  created_at: "2026-01-01T00:00:00Z",
};
const customer = (locale: Customer["locale"], name = "Retail Store Co."): Customer => ({
  org: "acme",
  ref: "CUST-RS-2026-045",
  name,
  email: "ops@retailstore.example",
  locale,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});
const URL_ = "https://portal.example/customer/mp_AbC-123_xyz?lang=en&x=1";

Deno.test("the three catalogues have the same keys and the same placeholders", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const { en, ...others } = magicLinkMessages.catalogue;
  for (const [locale, t] of Object.entries(others)) {
    assertEquals(Object.keys(t).sort(), Object.keys(en).sort(), locale);
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      assertEquals(placeholders(String(t[k])), placeholders(String(en[k])), `${locale}.${k}`);
      assert(t[k] !== en[k], `${locale}.${k} is translated`);
    }
  }
});

Deno.test("magic-link email: subject, link, 90-day note, contact, in the customer's language", () => {
  const e = renderMagicLinkEmail({ org, customer: customer("en"), url: URL_ });
  assertEquals(e.subject, "Your order portal link from ACME Manufacturing");
  assertStringIncludes(e.html, '<html lang="en"');
  assertStringIncludes(e.html, `href="${URL_.replace("&", "&amp;")}"`);
  assertStringIncludes(e.html, "View your orders");
  assertStringIncludes(e.html, "90 days");
  assertStringIncludes(e.html, "sales@acme.com");
  assertStringIncludes(e.html, "(555) 123-4567");
  assertStringIncludes(e.text, `View your orders: ${URL_}`);
  assertStringIncludes(e.text, "Hello Retail Store Co.,");
  assertStringIncludes(e.text, "90 days");
  assertEquals(e.text.includes("<"), false, "the text part has no markup");

  const es = renderMagicLinkEmail({ org, customer: customer("es"), url: URL_ });
  assertEquals(es.subject, "Su enlace al portal de pedidos de ACME Manufacturing");
  assertStringIncludes(es.html, '<html lang="es"');
  assertStringIncludes(es.text, "90 días");
  const pl = renderMagicLinkEmail({ org, customer: customer("pl"), url: URL_ });
  assertEquals(pl.subject, "Twój link do portalu zamówień od ACME Manufacturing");
  assertStringIncludes(pl.text, "90 dni");
});

Deno.test("everything in the HTML part is escaped; only http(s) buttons", () => {
  const e = renderMagicLinkEmail({
    org: { ...org, name: 'Evil "Co" <img src=x onerror=alert(1)>' },
    customer: customer("en", "<script>alert(1)</script> & Sons"),
    url: URL_,
  });
  assertEquals(e.html.includes("<script>"), false);
  assertEquals(e.html.includes("<img"), false);
  assertStringIncludes(e.html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons");
  assertStringIncludes(e.html, "Evil &quot;Co&quot;");
  assertStringIncludes(e.text, "<script>alert(1)</script> & Sons", "text is plain text");
  for (const href of ["javascript:alert(1)", "/relative", "data:text/html,x"]) {
    let threw = false;
    try {
      renderEmail({
        locale: "en",
        title: "t",
        paragraphs: [],
        button: { label: "x", href },
        footer: "f",
      });
    } catch {
      threw = true;
    }
    assert(threw, href);
  }
});

Deno.test("sendMagicLinkEmail queues one email per link to the customer, reply-to the org", async () => {
  const kv = await Deno.openKv(":memory:");
  const services: Services = {
    kv,
    config: loadConfig({ DENO_ENV: "test", KV_PATH: ":memory:" }),
    clock: systemClock,
  };
  registerEmailHandlers();
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1], jitter: 0 } });
  try {
    const a = await sendMagicLinkEmail(services, { org, customer: customer("pl"), url: URL_ });
    const b = await sendMagicLinkEmail(services, { org, customer: customer("pl"), url: URL_ });
    await sendMagicLinkEmail(services, {
      org,
      customer: customer("pl"),
      url: "https://portal.example/customer/mp_new",
    });
    await waitForQueueIdle();
    assertEquals([a.enqueued, b.enqueued], [true, false]);
    const { entries } = await listOutbox(kv);
    assertEquals(entries.length, 2);
    const first = entries[1];
    assertEquals(first.to, ["ops@retailstore.example"]);
    assertEquals(first.reply_to, "sales@acme.com");
    assertEquals(first.org, "acme");
    assertEquals(first.subject, "Twój link do portalu zamówień od ACME Manufacturing");
    assertStringIncludes(first.text, URL_);
    assertEquals(first.idempotency_key.includes("mp_AbC"), false, "no token in the key");
    assertEquals(first.tags, [{ name: "kind", value: "magic_link" }, {
      name: "org",
      value: "acme",
    }]);
  } finally {
    kv.close();
    await listener;
  }
});
