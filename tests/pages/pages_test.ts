/**
 * The customer pages over real HTTP on the demo seed (real KV, real server): content in
 * three languages, the filter and paging without JavaScript, exact totals, link-outs,
 * the 404/401/429 pages, and the dashboard's weight budget (0 scripts, ≤ 14 KB gzipped).
 */
import assert from "node:assert/strict";
import { createPortalApp, manifest } from "@/lib/app.ts";
import { LinkInvalidError } from "@/lib/access/tokens.ts";
import { RateLimitedError } from "@/lib/errors.ts";
import type { Locale, Org } from "@/lib/orders/model.ts";
import { linkDefine } from "@/lib/state.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { makeTestServices } from "@/tests/helpers/services.ts";

const unescape = (s: string) =>
  s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">");

function rowLabels(html: string): string[] {
  return [...html.matchAll(/<tr aria-label="([^"]+)"/g)].map((m) => unescape(m[1]));
}

function hrefs(html: string, re: RegExp): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) => unescape(m[1])).filter((h) => re.test(h));
}

async function page(p: Portal, path: string, init?: RequestInit) {
  const res = await p.fetch(path, init);
  return { res, html: await res.text() };
}

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function withPortal(fn: (p: Portal) => Promise<void>) {
  const p = await startPortal();
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

Deno.test("dashboard (en): welcome, stats, rows with the spec's accessible names, no scripts", async () => {
  await withPortal(async (p) => {
    const { res, html } = await page(p, p.dashboard);
    assert.deepEqual(res.status, 200);
    assert.match(html, /<html lang="en"/);
    assert.match(html, /MonoPilot Customer Portal/);
    assert.match(html, /ACME Manufacturing/);
    assert.match(html, /Welcome, Retail Store Co\./);
    assert.match(html, /CUST-RS-2026-045/);
    assert.match(html, /Last login: <strong>30m ago<\/strong>/);
    assert.match(html, /Active Orders<\/span><span class="stat__value">5<\/span>/);
    assert.match(html, /In Transit<\/span><span class="stat__value">2<\/span>/);
    assert.match(html, /Delivered<\/span><span class="stat__value">23<\/span>/);
    const labels = rowLabels(html);
    assert.deepEqual(labels.length, 20);
    assert.deepEqual(
      labels[0],
      "Order ORD-008456, Placed Jan 14, 2026, 3 items, Total $8,450.00, Delivery expected Jan 18, 2026, Status: Shipped",
    );
    assert.deepEqual(
      labels[2],
      "Order ORD-008401, Placed Jan 10, 2026, 15 items, Total $12,890.00, Delivery expected Jan 16, 2026, Status: Processing",
    );
    // Second lines under the status, as the wireframe.
    assert.match(html, /Track: 123456789012/);
    assert.match(html, /Est\. ship: Jan 15, 2026/);
    assert.match(html, /Delivered: Jan 14, 2026/);
    // Every date carries its year, this year's too (in December "Jan 14" is either January).
    assert.match(html, /<td data-label="Date"><span class="nowrap">Jan 14, 2026<\/span><\/td>/);
    assert.match(html, /<td data-label="Date"><span class="nowrap">Dec 31, 2025<\/span><\/td>/);
    assert.match(html, /Delivered: Dec 27, 2025/);
    // [View] opens the detail page; [Track] its tracking section.
    assert(hrefs(html, /\/orders\/ORD-008456$/).length === 1);
    assert(hrefs(html, /\/orders\/ORD-008456#tracking$/).length === 1);
    assert.match(html, /FedEx Freight <span class="nowrap">#123456789012<\/span>/);
    assert.match(html, /UPS <span class="nowrap">#1Z999AA10123456784<\/span>/);
    // Help section and language switcher (links, no JS).
    assert(hrefs(html, /^#help$/).length === 1);
    assert.deepEqual(hrefs(html, /\?lang=(en|es|pl)$/).length, 3);
    // Budget: no scripts at all, and ≤ 14 KB of HTML gzipped.
    assert(!/<script/i.test(html), "the dashboard ships no script");
    const gz = await gzipSize(html);
    assert(gz <= 14 * 1024, `dashboard is ${gz} bytes gzipped`);
  });
});

Deno.test("dashboard in Spanish and Polish: ?lang= sets the cookie, cookie and Accept-Language are followed", async () => {
  await withPortal(async (p) => {
    const es = await page(p, p.dashboard + "?lang=es");
    assert.deepEqual(es.res.status, 200);
    assert.match(
      es.res.headers.get("set-cookie") ?? "",
      /^lang=es; Path=\/; Max-Age=31536000; SameSite=Lax/,
    );
    assert.match(es.html, /<html lang="es"/);
    assert.match(es.html, /Bienvenido, Retail Store Co\./);
    assert.match(es.html, /hace 30 min/);
    assert.deepEqual(
      rowLabels(es.html)[0],
      "Pedido ORD-008456, realizado el 14 ene 2026, 3 artículos, total 8450,00 US$, entrega prevista 18 ene 2026, estado: Enviado"
        .replace(" US$", "\u00a0US$"),
    );

    const pl = await page(p, p.dashboard, { headers: { cookie: "lang=pl" } });
    assert.match(pl.html, /<html lang="pl"/);
    assert.match(pl.html, /Witamy, Retail Store Co\./);
    assert.match(pl.html, /Aktywne zamówienia/);
    const plLabels = rowLabels(pl.html);
    assert.match(plLabels[0], /^Zamówienie ORD-008456, złożone 14 sty 2026, 3 pozycje, suma /);
    assert.match(plLabels[2], /, 15 pozycji, /);
    assert.deepEqual(pl.res.headers.get("set-cookie"), null);

    const al = await page(p, p.dashboard, {
      headers: { "accept-language": "pl-PL,pl;q=0.9,en;q=0.5" },
    });
    assert.match(al.html, /<html lang="pl"/);
    // ?lang beats the cookie.
    const both = await page(p, p.dashboard + "?lang=en", { headers: { cookie: "lang=pl" } });
    assert.match(both.html, /<html lang="en"/);
  });
});

Deno.test("filter works as a plain GET: active, shipped, delivered, cancelled; unknown means all", async () => {
  await withPortal(async (p) => {
    const status = async (f: string) =>
      rowLabels((await page(p, `${p.dashboard}?status=${f}`)).html);
    const active = await status("active");
    assert.deepEqual(active.length, 5);
    assert(active.every((l) => /Status: (Processing|Shipped)$/.test(l)), active.join("\n"));
    const shipped = await status("shipped");
    assert.deepEqual(shipped.map((l) => l.split(",")[0]), ["Order ORD-008456", "Order ORD-008423"]);
    const delivered = await status("delivered");
    assert.deepEqual(delivered.length, 20);
    assert(delivered.every((l) => l.endsWith("Status: Delivered")));
    const cancelled = await status("cancelled");
    assert.deepEqual(cancelled.length, 1);
    assert.match(cancelled[0], /Status: Cancelled$/);
    assert.deepEqual((await status("nonsense")).length, 20);
    // The form keeps the chosen filter selected.
    const { html } = await page(p, `${p.dashboard}?status=shipped`);
    assert.match(html, /<option value="shipped" selected>/);
  });
});

Deno.test("paging: next and previous links walk every order once, bad cursors fall back to page 1", async () => {
  await withPortal(async (p) => {
    const first = await page(p, p.dashboard);
    const relNext = (html: string) =>
      [...html.matchAll(/rel="next" href="([^"]+)"/g)].map((m) => unescape(m[1]));
    const next = relNext(first.html);
    assert.deepEqual(next.length, 1);
    const second = await page(p, next[0]);
    assert.deepEqual(second.res.status, 200);
    const all = [...rowLabels(first.html), ...rowLabels(second.html)].map((l) => l.split(",")[0]);
    assert.deepEqual(all.length, 29);
    assert.deepEqual(new Set(all).size, 29);
    assert.deepEqual(relNext(second.html).length, 0, "no next link on the last page");
    const prev = [...second.html.matchAll(/rel="prev" href="([^"]+)"/g)].map((m) => unescape(m[1]));
    assert.deepEqual(prev, [p.dashboard]);
    // Delivered filter: the cursor link keeps the filter.
    const d1 = await page(p, `${p.dashboard}?status=delivered`);
    const dNext = relNext(d1.html)[0];
    assert.match(dNext, /status=delivered/);
    assert.deepEqual(rowLabels((await page(p, dNext)).html).length, 3);
    for (const bad of ["!!!", "abc", "x".repeat(5000), "W10"]) {
      const r = await page(p, `${p.dashboard}?cursor=${encodeURIComponent(bad)}&prev=%00`);
      assert.deepEqual(r.res.status, 200, bad);
      assert.deepEqual(rowLabels(r.html).length, 20);
    }
  });
});

Deno.test("order detail: information, tracking, timeline island, exact totals, documents, report", async () => {
  await withPortal(async (p) => {
    const { res, html } = await page(p, `${p.dashboard}/orders/ORD-008456`);
    assert.deepEqual(res.status, 200);
    assert.match(html, /Order Details: ORD-008456/);
    assert.deepEqual(hrefs(html, new RegExp(`^${p.dashboard}$`)).length, 1, "Back to List");
    assert.match(html, /Retail Store Co\., 456 Commerce St/);
    assert.match(html, /FedEx Freight/);
    assert.match(html, /Jan 15, 2026 at 10:30 AM/);
    // Timeline: ✓ ✓ ● ○ in that order, with spoken marks.
    const marks = [...html.matchAll(/class="tl tl--(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(marks, ["done", "done", "current", "expected"]);
    assert.match(html, /<span class="sr-only">Current status:<\/span>/);
    assert.match(html, /data-island="TrackingTimeline"/);
    assert.match(html, /<script type="module" src="[^"]+" nonce=/);
    // Carrier link-out: new tab, no referrer.
    assert.match(
      html,
      /<a class="btn" href="https:\/\/www\.fedex\.com\/fedextrack\/\?trknbr=123456789012" target="_blank" rel="noopener noreferrer">Track on FedEx Website/,
    );
    // Items and exact totals.
    // Units in the customer's words, kept on one line with their number.
    for (const v of ["200\u00a0boxes", "$18.50", "$3,700.00", "$1,845.00", "$2,905.00"]) {
      assert.ok(html.includes(v), `missing ${v}`);
    }
    // Amounts never split: each in a nowrap span.
    assert.match(html, /Subtotal<\/th><td class="num"><span class="money">\$8,450\.00</);
    assert.match(html, /Tax<\/th><td class="num"><span class="money">\$0\.00</);
    assert.match(html, /Shipping<\/th><td class="num">Included</);
    assert.match(html, /Total<\/th><td class="num"><span class="money">\$8,450\.00</);
    // Documents: plain download links (work without JS) + Download All + Report Issue.
    const base = `/api/portal/customer/${encodeURIComponent(p.token)}/orders/ORD-008456/documents/`;
    for (const id of ["order-confirmation", "packing-slip", "invoice", "all"]) {
      assert.match(
        html,
        new RegExp(`href="${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${id}" download=`),
      );
    }
    assert.match(html, /Invoice #INV-2026-00456 \(PDF\)/);
    assert.match(html, /Download All Documents/);
    assert.deepEqual(hrefs(html, /\/orders\/ORD-008456\/report$/).length, 1);
  });
});

Deno.test("order detail in Polish and a processing order without shipments", async () => {
  await withPortal(async (p) => {
    const pl = await page(p, `${p.dashboard}/orders/ORD-008456?lang=pl`);
    assert.match(pl.html, /Szczegóły zamówienia: ORD-008456/);
    assert.match(pl.html, /W cenie/);
    assert.match(pl.html, /Śledź na stronie FedEx/);
    const proc = await page(p, `${p.dashboard}/orders/ORD-008401`);
    assert.deepEqual(proc.res.status, 200);
    assert.match(proc.html, /This order has not shipped yet\./);
    assert.match(proc.html, /Estimated ship date: Jan 15, 2026/);
    // No timeline island without a shipment; only the Report Issue island's script.
    assert(!proc.html.includes('data-island="TrackingTimeline"'));
    assert.deepEqual([...proc.html.matchAll(/<script /g)].length, 1);
  });
});

Deno.test("an order outside the customer's scope, or a malformed number, is a 404 page", async () => {
  await withPortal(async (p) => {
    for (const n of ["ORD-999999", "ORD%201", "%00", "a".repeat(300), "ORD-008456%2Freport"]) {
      const r = await page(p, `${p.dashboard}/orders/${n}`);
      assert.deepEqual(r.res.status, 404, n);
      assert.match(r.html, /Order not found/, n);
    }
  });
});

/**
 * The portal with two extra routes, `/customer/bad` and `/customer/t`, that throw the error a
 * test gives them after marking the answer `no-store` (as the link middleware does): the
 * root middleware and `_error.tsx` render it as for a real link.
 */
let thrown: Error = new Error("unset");
const thrower = {
  handler: linkDefine.handlers((ctx) => {
    ctx.state.responseHeaders.set("cache-control", "no-store");
    throw thrown;
  }),
};
async function errorPageApp() {
  const services = await makeTestServices();
  const app = await createPortalApp(services, {
    manifest: {
      ...manifest,
      routes: {
        ...manifest.routes,
        "./routes/customer/bad.ts": thrower,
        "./routes/customer/t.ts": thrower,
      },
    },
  });
  return { fetch: app.fetch, [Symbol.dispose]: services.close };
}

Deno.test("invalid link page: 401, the spec's words, org contact when known, generic otherwise", async () => {
  using app = await errorPageApp();
  const renderLinkInvalidPage = (c: { url: URL; locale: Locale }, org: Org | undefined) => {
    thrown = new LinkInvalidError(org);
    return app.fetch(new Request(c.url, { headers: { cookie: `lang=${c.locale}` } }));
  };
  const org: Org = {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.com",
    support_phone: "(555) 123-4567",
    created_at: "2026-01-01T00:00:00Z",
  };
  const ctx = (locale: Locale) => ({ url: new URL("http://x/customer/bad"), locale });
  const known = await renderLinkInvalidPage(ctx("en"), org);
  assert.deepEqual(known.status, 401);
  assert.deepEqual(known.headers.get("cache-control"), "no-store");
  const html = await known.text();
  assert.match(html, /Access Link Invalid or Expired/);
  assert.match(html, /This customer portal link is invalid or has expired\./);
  assert.match(html, /Please contact ACME Manufacturing for a new link\./);
  assert.match(html, /href="mailto:sales@acme\.com"/);
  assert.match(html, /href="tel:5551234567"/);
  const generic = await (await renderLinkInvalidPage(ctx("es"), undefined)).text();
  assert.match(generic, /Enlace de acceso no válido o caducado/);
  assert(!generic.includes("mailto:"));
  assert(!/<script/.test(generic));
  await withPortal(async (p) => {
    const r = await page(p, "/customer/not-a-real-token");
    assert.deepEqual(r.res.status, 401);
    assert.match(r.html, /Access Link Invalid or Expired/);
  });
});

Deno.test("rate-limited page: 429, Retry-After, wait in localized minutes", async () => {
  using app = await errorPageApp();
  const renderRateLimitedPage = (c: { url: URL; locale: Locale }, seconds: number) => {
    thrown = new RateLimitedError(seconds, "Too many requests for this link. Try again later.");
    // ?lang= wins over the cookie: the cookie says the language, the URL keeps its ?lang.
    const url = new URL(c.url);
    url.searchParams.set("lang", c.locale);
    return app.fetch(new Request(url));
  };
  const ctx = (locale: Locale) => ({ url: new URL("http://x/customer/t?lang=pl"), locale });
  const en = await renderRateLimitedPage(ctx("en"), 90);
  assert.deepEqual(en.status, 429);
  assert.deepEqual(en.headers.get("retry-after"), "90");
  // One voice: the title and the text say the same wait, the one Retry-After means.
  const enHtml = await en.text();
  assert.match(enHtml, /<title>Please wait 2 minutes · /);
  assert.match(enHtml, /<h1 class="state__title">Please wait 2 minutes<\/h1>/);
  assert.match(enHtml, /again by itself in 2 minutes: just try again then\./);
  assert(!/a moment|60 minutes|\{count\}/.test(enHtml));
  const pl5 = await (await renderRateLimitedPage(ctx("pl"), 300)).text();
  assert.match(pl5, /<title>Poczekaj 5 minut · /);
  assert.match(pl5, /za 5 minut/);
  assert.match(await (await renderRateLimitedPage(ctx("pl"), 120)).text(), /za 2 minuty/);
  const one = await (await renderRateLimitedPage(ctx("es"), 10)).text();
  assert.match(one, /Espere 1 minuto/);
  assert.match(one, /dentro de 1 minuto/);
  // "Try again" drops ?lang so it does not set the cookie again.
  assert.match(one, /href="\/customer\/t"/);
});

Deno.test("empty state: No Orders Found with the org's contact; a filter with no match offers all", async () => {
  await withPortal(async (p) => {
    await upsertCustomer(p.services.kv, "acme", "CUST-NEW-001", {
      name: "New Shop Ltd.",
      email: "ops@newshop.example",
      locale: "en",
    }, p.clock.now());
    const path = await p.linkFor("CUST-NEW-001");
    const { res, html } = await page(p, path);
    assert.deepEqual(res.status, 200);
    assert.match(html, /Welcome, New Shop Ltd\./);
    assert.match(html, /first visit/);
    assert.match(html, /No Orders Found/);
    assert.match(html, /No active orders at this time\./);
    assert.match(html, /Your orders will appear here once placed\./);
    assert.match(html, /Questions\? Contact: <a href="mailto:sales@acme\.com">/);
    assert.match(html, /No shipments on the way right now\./);
    assert.deepEqual(rowLabels(html).length, 0);
    // A filter that matches nothing offers the way back to all orders.
    const none = await page(p, `${path}?status=cancelled`);
    assert.match(none.html, /No orders match this filter\./);
    assert.deepEqual(hrefs(none.html, new RegExp(`^${path}$`)).length, 1);
  });
});

Deno.test("with the real link middleware: a revoked link shows the org's contact, over the limit a friendly 429", async () => {
  const { revokeLinks } = await import("@/lib/access/tokens.ts");
  await withPortal(async (p) => {
    await revokeLinks(p.services.kv, "acme", "CUST-RS-2026-045", p.clock.now());
    const r = await page(p, p.dashboard + "?lang=es");
    assert.deepEqual(r.res.status, 401);
    assert.deepEqual(r.res.headers.get("cache-control"), "no-store");
    assert.match(r.html, /Enlace de acceso no válido o caducado/);
    assert.match(r.html, /Contacte con ACME Manufacturing para obtener un enlace nuevo\./);
    assert.match(r.html, /href="mailto:sales@acme\.com"/);
  });
  const limited = await startPortal({ env: { RATE_LIMIT_PER_HOUR: "2" } });
  try {
    for (let i = 0; i < 2; i++) {
      assert.deepEqual((await page(limited, limited.dashboard)).res.status, 200);
    }
    const r = await page(limited, limited.dashboard, { headers: { cookie: "lang=pl" } });
    assert.deepEqual(r.res.status, 429);
    assert(Number(r.res.headers.get("retry-after")) > 0);
    const wait = Math.ceil(Number(r.res.headers.get("retry-after")) / 60);
    assert.match(r.html, new RegExp(`<h1 class="state__title">Poczekaj ${wait} minut`));
    // The supplier's contact: the link was valid, so its org is known.
    assert.match(r.html, /href="mailto:sales@acme\.com"/);
    assert(!/<script/.test(r.html));
  } finally {
    await limited.close();
  }
});

Deno.test("localized <title> on the order page, the dashboard and the form page (es, pl)", async () => {
  await withPortal(async (p) => {
    const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
    const detail = `${p.dashboard}/orders/ORD-008456`;
    const es = title((await page(p, `${detail}?lang=es`)).html);
    assert.match(es, /^Detalles del pedido: ORD-008456 · Portal de Clientes MonoPilot$/);
    const pl = title((await page(p, `${detail}?lang=pl`)).html);
    assert.match(pl, /ORD-008456 · Portal Klienta MonoPilot$/);
    for (const path of [p.dashboard, `${detail}/report`]) {
      const t = title((await page(p, `${path}?lang=pl`)).html);
      assert.match(t, / · Portal Klienta MonoPilot$/, path);
      assert(!/MonoPilot Customer Portal|Order|Report/.test(t), t);
    }
  });
});
