/** Email layout and the magic-link template: escaping, locales, both parts, once per link. */
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { renderEmail } from "@/lib/email/render.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { magicLinkMessages, renderMagicLinkEmail } from "@/lib/email/templates/magic_link.ts";
import { createLink } from "@/lib/access/tokens.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import type { QueueMessage } from "@/lib/queue/queue.ts";
import { setLogSink } from "@/lib/log.ts";
import type { Customer, Org } from "@/lib/orders/model.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { makeTestServices, waitForQueueIdle } from "@/tests/helpers/services.ts";
import assert from "node:assert/strict";

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
    assert.deepEqual(Object.keys(t).sort(), Object.keys(en).sort(), locale);
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      assert.deepEqual(placeholders(String(t[k])), placeholders(String(en[k])), `${locale}.${k}`);
      assert(t[k] !== en[k], `${locale}.${k} is translated`);
    }
  }
});

Deno.test("magic-link email: subject, link, 90-day note, contact, in the customer's language", () => {
  const e = renderMagicLinkEmail({ org, customer: customer("en"), url: URL_ });
  assert.deepEqual(e.subject, "Your order portal link from ACME Manufacturing");
  assert.match(e.html, /<html lang="en"/);
  assert.ok(
    e.html.includes(`href="${URL_.replace("&", "&amp;")}"`),
    `missing ${`href="${URL_.replace("&", "&amp;")}"`}`,
  );
  assert.match(e.html, /View your orders/);
  assert.match(e.html, /90 days/);
  assert.match(e.html, /sales@acme\.com/);
  assert.match(e.html, /\(555\) 123-4567/);
  assert.ok(e.text.includes(`View your orders: ${URL_}`), `missing ${`View your orders: ${URL_}`}`);
  assert.match(e.text, /Hello Retail Store Co\.,/);
  assert.match(e.text, /90 days/);
  assert.deepEqual(e.text.includes("<"), false, "the text part has no markup");

  const es = renderMagicLinkEmail({ org, customer: customer("es"), url: URL_ });
  assert.deepEqual(es.subject, "Su enlace al portal de pedidos de ACME Manufacturing");
  assert.match(es.html, /<html lang="es"/);
  assert.match(es.text, /90 días/);
  const pl = renderMagicLinkEmail({ org, customer: customer("pl"), url: URL_ });
  assert.deepEqual(pl.subject, "Twój link do portalu zamówień od ACME Manufacturing");
  assert.match(pl.text, /90 dni/);
});

Deno.test("everything in the HTML part is escaped; only http(s) buttons", () => {
  const e = renderMagicLinkEmail({
    org: { ...org, name: 'Evil "Co" <img src=x onerror=alert(1)>' },
    customer: customer("en", "<script>alert(1)</script> & Sons"),
    url: URL_,
  });
  assert.deepEqual(e.html.includes("<script>"), false);
  assert.deepEqual(e.html.includes("<img"), false);
  assert.match(e.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; Sons/);
  assert.match(e.html, /Evil &quot;Co&quot;/);
  assert.match(e.text, /<script>alert\(1\)<\/script> & Sons/, "text is plain text");
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

Deno.test("a link sent by email: one email per link, to the customer, reply-to the org, no token queued", async () => {
  const services = await makeTestServices({ publicBaseUrl: "https://portal.example" });
  const kv = services.kv;
  const queued: QueueMessage[] = [];
  const tracker = services.queueObserver!;
  services.queueObserver = {
    ...tracker,
    enqueued: (m) => {
      queued.push(m);
      tracker.enqueued?.(m);
    },
    settled: (m) => tracker.settled?.(m),
  };
  registerEmailHandlers();
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1], jitter: 0 } });
  try {
    const now = services.clock.now();
    await createOrg(kv, {
      slug: org.slug,
      name: org.name,
      support_email: org.support_email,
      support_phone: org.support_phone,
    }, now);
    const c = customer("pl");
    await upsertCustomer(kv, "acme", c.ref, { name: c.name, email: c.email, locale: "pl" }, now);
    const a = await createLink(services, "acme", c.ref, { sendEmail: true });
    const b = await createLink(services, "acme", c.ref, { sendEmail: true });
    await waitForQueueIdle();
    const { entries } = await listOutbox(kv);
    assert.deepEqual(entries.length, 2, "one email per link");
    // Delivered concurrently: find each link's email by its content.
    const first = entries.find((e) => e.text.includes(a.url))!;
    assert.ok(first, "the email carries the link that was created");
    assert.ok(entries.some((e) => e !== first && e.text.includes(b.url)));
    assert.deepEqual(first.to, ["ops@retailstore.example"]);
    assert.deepEqual(first.reply_to, "sales@acme.com");
    assert.deepEqual(first.org, "acme");
    assert.deepEqual(first.subject, "Twój link do portalu zamówień od ACME Manufacturing");
    assert.match(first.text, /30 dni/, "an emailed link lives 30 idle days");
    for (const t of [a.token, b.token]) {
      assert.deepEqual(first.idempotency_key.includes(t), false, "no token in the key");
      assert.deepEqual(JSON.stringify(queued).includes(t), false, "no token in a queue message");
      assert.deepEqual(
        JSON.stringify(queued).includes(t.slice(4, 30)),
        false,
        "no part of a token in a queue message",
      );
    }
    assert.deepEqual(first.tags, [{ name: "kind", value: "magic_link" }, {
      name: "org",
      value: "acme",
    }]);
  } finally {
    services.close();
    await listener;
  }
});
