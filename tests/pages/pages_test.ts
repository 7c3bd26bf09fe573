/**
 * The customer pages over real HTTP on the demo seed (real KV, real server): content in
 * three languages, the filter and paging without JavaScript, exact totals, link-outs,
 * the 404/401/429 pages, and the dashboard's weight budget (0 scripts, ≤ 14 KB gzipped).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@/tests/helpers/assert.ts";
import { renderLinkInvalidPage } from "@/lib/pages/link_error.tsx";
import { renderRateLimitedPage } from "@/lib/pages/rate_limited.tsx";
import type { Locale, Org } from "@/lib/orders/model.ts";
import type { State } from "@/lib/state.ts";
import { upsertCustomer } from "@/lib/orders/store.ts";
import { type Portal, startPortal } from "./portal_fixture.ts";

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
    assertEquals(res.status, 200);
    assertStringIncludes(html, '<html lang="en"');
    assertStringIncludes(html, "MonoPilot Customer Portal");
    assertStringIncludes(html, "ACME Manufacturing");
    assertStringIncludes(html, "Welcome, Retail Store Co.");
    assertStringIncludes(html, "CUST-RS-2026-045");
    assertMatch(html, /Last login: <strong>30m ago<\/strong>/);
    assertMatch(html, /<dt>Active Orders<\/dt><dd>5<\/dd>/);
    assertMatch(html, /<dt>In Transit<\/dt><dd>2<\/dd>/);
    assertMatch(html, /<dt>Delivered<\/dt><dd>23<\/dd>/);
    const labels = rowLabels(html);
    assertEquals(labels.length, 20);
    assertEquals(
      labels[0],
      "Order ORD-008456, Placed Jan 14, 2026, 3 items, Total $8,450.00, Delivery expected Jan 18, 2026, Status: Shipped",
    );
    assertEquals(
      labels[2],
      "Order ORD-008401, Placed Jan 10, 2026, 15 items, Total $12,890.00, Delivery expected Jan 16, 2026, Status: Processing",
    );
    // Second lines under the status, as the wireframe.
    assertStringIncludes(html, "Track: 123456789012");
    assertStringIncludes(html, "Est. ship: Jan 15");
    assertStringIncludes(html, "Delivered: Jan 14");
    // Short dates within this year; last year's dates carry their year.
    assertStringIncludes(html, '<td data-label="Date">Jan 14</td>');
    assertStringIncludes(html, '<td data-label="Date">Dec 31, 2025</td>');
    assertStringIncludes(html, "Delivered: Dec 27, 2025");
    // [View] opens the detail page; [Track] its tracking section.
    assert(hrefs(html, /\/orders\/ORD-008456$/).length === 1);
    assert(hrefs(html, /\/orders\/ORD-008456#tracking$/).length === 1);
    assertStringIncludes(html, "FedEx Freight #123456789012");
    assertStringIncludes(html, "UPS #1Z999AA10123456784");
    // Help section and language switcher (links, no JS).
    assert(hrefs(html, /^#help$/).length === 1);
    assertEquals(hrefs(html, /\?lang=(en|es|pl)$/).length, 3);
    // Budget: no scripts at all, and ≤ 14 KB of HTML gzipped.
    assert(!/<script/i.test(html), "the dashboard ships no script");
    const gz = await gzipSize(html);
    assert(gz <= 14 * 1024, `dashboard is ${gz} bytes gzipped`);
  });
});

Deno.test("dashboard in Spanish and Polish: ?lang= sets the cookie, cookie and Accept-Language are followed", async () => {
  await withPortal(async (p) => {
    const es = await page(p, p.dashboard + "?lang=es");
    assertEquals(es.res.status, 200);
    assertMatch(
      es.res.headers.get("set-cookie") ?? "",
      /^lang=es; Path=\/; Max-Age=31536000; SameSite=Lax/,
    );
    assertStringIncludes(es.html, '<html lang="es"');
    assertStringIncludes(es.html, "Bienvenido, Retail Store Co.");
    assertStringIncludes(es.html, "hace 30 min");
    assertEquals(
      rowLabels(es.html)[0],
      "Pedido ORD-008456, realizado el 14 ene 2026, 3 artículos, total 8450,00 US$, entrega prevista 18 ene 2026, estado: Enviado"
        .replace(" US$", "\u00a0US$"),
    );

    const pl = await page(p, p.dashboard, { headers: { cookie: "lang=pl" } });
    assertStringIncludes(pl.html, '<html lang="pl"');
    assertStringIncludes(pl.html, "Witamy, Retail Store Co.");
    assertStringIncludes(pl.html, "Aktywne zamówienia");
    const plLabels = rowLabels(pl.html);
    assertMatch(plLabels[0], /^Zamówienie ORD-008456, złożone 14 sty 2026, 3 pozycje, suma /);
    assertMatch(plLabels[2], /, 15 pozycji, /);
    assertEquals(pl.res.headers.get("set-cookie"), null);

    const al = await page(p, p.dashboard, {
      headers: { "accept-language": "pl-PL,pl;q=0.9,en;q=0.5" },
    });
    assertStringIncludes(al.html, '<html lang="pl"');
    // ?lang beats the cookie.
    const both = await page(p, p.dashboard + "?lang=en", { headers: { cookie: "lang=pl" } });
    assertStringIncludes(both.html, '<html lang="en"');
  });
});

Deno.test("filter works as a plain GET: active, shipped, delivered, cancelled; unknown means all", async () => {
  await withPortal(async (p) => {
    const status = async (f: string) =>
      rowLabels((await page(p, `${p.dashboard}?status=${f}`)).html);
    const active = await status("active");
    assertEquals(active.length, 5);
    assert(active.every((l) => /Status: (Processing|Shipped)$/.test(l)), active.join("\n"));
    const shipped = await status("shipped");
    assertEquals(shipped.map((l) => l.split(",")[0]), ["Order ORD-008456", "Order ORD-008423"]);
    const delivered = await status("delivered");
    assertEquals(delivered.length, 20);
    assert(delivered.every((l) => l.endsWith("Status: Delivered")));
    const cancelled = await status("cancelled");
    assertEquals(cancelled.length, 1);
    assertMatch(cancelled[0], /Status: Cancelled$/);
    assertEquals((await status("nonsense")).length, 20);
    // The form keeps the chosen filter selected.
    const { html } = await page(p, `${p.dashboard}?status=shipped`);
    assertMatch(html, /<option value="shipped" selected>/);
  });
});

Deno.test("paging: next and previous links walk every order once, bad cursors fall back to page 1", async () => {
  await withPortal(async (p) => {
    const first = await page(p, p.dashboard);
    const relNext = (html: string) =>
      [...html.matchAll(/rel="next" href="([^"]+)"/g)].map((m) => unescape(m[1]));
    const next = relNext(first.html);
    assertEquals(next.length, 1);
    const second = await page(p, next[0]);
    assertEquals(second.res.status, 200);
    const all = [...rowLabels(first.html), ...rowLabels(second.html)].map((l) => l.split(",")[0]);
    assertEquals(all.length, 29);
    assertEquals(new Set(all).size, 29);
    assertEquals(relNext(second.html).length, 0, "no next link on the last page");
    const prev = [...second.html.matchAll(/rel="prev" href="([^"]+)"/g)].map((m) => unescape(m[1]));
    assertEquals(prev, [p.dashboard]);
    // Delivered filter: the cursor link keeps the filter.
    const d1 = await page(p, `${p.dashboard}?status=delivered`);
    const dNext = relNext(d1.html)[0];
    assertStringIncludes(dNext, "status=delivered");
    assertEquals(rowLabels((await page(p, dNext)).html).length, 3);
    for (const bad of ["!!!", "abc", "x".repeat(5000), "W10"]) {
      const r = await page(p, `${p.dashboard}?cursor=${encodeURIComponent(bad)}&prev=%00`);
      assertEquals(r.res.status, 200, bad);
      assertEquals(rowLabels(r.html).length, 20);
    }
  });
});

Deno.test("order detail: information, tracking, timeline island, exact totals, documents, report", async () => {
  await withPortal(async (p) => {
    const { res, html } = await page(p, `${p.dashboard}/orders/ORD-008456`);
    assertEquals(res.status, 200);
    assertStringIncludes(html, "Order Details: ORD-008456");
    assertEquals(hrefs(html, new RegExp(`^${p.dashboard}$`)).length, 1, "Back to List");
    assertStringIncludes(html, "Retail Store Co., 456 Commerce St");
    assertStringIncludes(html, "FedEx Freight");
    assertStringIncludes(html, "Jan 15, 2026 at 10:30 AM");
    // Timeline: ✓ ✓ ● ○ in that order, with spoken marks.
    const marks = [...html.matchAll(/class="tl tl--(\w+)"/g)].map((m) => m[1]);
    assertEquals(marks, ["done", "done", "current", "expected"]);
    assertStringIncludes(html, '<span class="sr-only">Current status:</span>');
    assertStringIncludes(html, 'data-island="TrackingTimeline"');
    assertMatch(html, /<script type="module" src="[^"]+" nonce=/);
    // Carrier link-out: new tab, no referrer.
    assertMatch(
      html,
      /<a class="btn" href="https:\/\/www\.fedex\.com\/fedextrack\/\?trknbr=123456789012" target="_blank" rel="noopener noreferrer">Track on FedEx Website/,
    );
    // Items and exact totals.
    for (const v of ["200 boxes", "$18.50", "$3,700.00", "$1,845.00", "$2,905.00"]) {
      assertStringIncludes(html, v);
    }
    assertMatch(html, /Subtotal<\/th><td class="num">\$8,450\.00</);
    assertMatch(html, /Tax<\/th><td class="num">\$0\.00</);
    assertMatch(html, /Shipping<\/th><td class="num">Included</);
    assertMatch(html, /Total<\/th><td class="num">\$8,450\.00</);
    // Documents: plain download links (work without JS) + Download All + Report Issue.
    const base = `/api/portal/customer/${encodeURIComponent(p.token)}/orders/ORD-008456/documents/`;
    for (const id of ["order-confirmation", "packing-slip", "invoice", "all"]) {
      assertMatch(
        html,
        new RegExp(`href="${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${id}" download=`),
      );
    }
    assertStringIncludes(html, "Invoice #INV-2026-00456 (PDF)");
    assertStringIncludes(html, "Download All Documents");
    assertEquals(hrefs(html, /\/orders\/ORD-008456\/report$/).length, 1);
  });
});

Deno.test("order detail in Polish and a processing order without shipments", async () => {
  await withPortal(async (p) => {
    const pl = await page(p, `${p.dashboard}/orders/ORD-008456?lang=pl`);
    assertStringIncludes(pl.html, "Szczegóły zamówienia: ORD-008456");
    assertStringIncludes(pl.html, "W cenie");
    assertStringIncludes(pl.html, "Śledź na stronie FedEx");
    const proc = await page(p, `${p.dashboard}/orders/ORD-008401`);
    assertEquals(proc.res.status, 200);
    assertStringIncludes(proc.html, "This order has not shipped yet.");
    assertStringIncludes(proc.html, "Estimated ship date: Jan 15, 2026");
    // No timeline island without a shipment; only the Report Issue island's script.
    assert(!proc.html.includes('data-island="TrackingTimeline"'));
    assertEquals([...proc.html.matchAll(/<script /g)].length, 1);
  });
});

Deno.test("an order outside the customer's scope, or a malformed number, is a 404 page", async () => {
  await withPortal(async (p) => {
    for (const n of ["ORD-999999", "ORD%201", "%00", "a".repeat(300), "ORD-008456%2Freport"]) {
      const r = await page(p, `${p.dashboard}/orders/${n}`);
      assertEquals(r.res.status, 404, n);
      assertStringIncludes(r.html, "Order not found", n);
    }
  });
});

Deno.test("invalid link page: 401, the spec's words, org contact when known, generic otherwise", async () => {
  const org: Org = {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.com",
    support_phone: "(555) 123-4567",
    created_at: "2026-01-01T00:00:00Z",
  };
  const ctx = (locale: Locale) => ({
    url: new URL("http://x/customer/bad"),
    state: { locale, nonce: "n" } as State,
  });
  const known = renderLinkInvalidPage(ctx("en"), org);
  assertEquals(known.status, 401);
  assertEquals(known.headers.get("cache-control"), "no-store");
  const html = await known.text();
  assertStringIncludes(html, "Access Link Invalid or Expired");
  assertStringIncludes(html, "This customer portal link is invalid or has expired.");
  assertStringIncludes(html, "Please contact ACME Manufacturing for a new link.");
  assertStringIncludes(html, 'href="mailto:sales@acme.com"');
  assertStringIncludes(html, 'href="tel:5551234567"');
  const generic = await renderLinkInvalidPage(ctx("es"), undefined).text();
  assertStringIncludes(generic, "Enlace de acceso no válido o caducado");
  assert(!generic.includes("mailto:"));
  assert(!/<script/.test(generic));
  await withPortal(async (p) => {
    const r = await page(p, "/customer/not-a-real-token");
    assertEquals(r.res.status, 401);
    assertStringIncludes(r.html, "Access Link Invalid or Expired");
  });
});

Deno.test("rate-limited page: 429, Retry-After, wait in localized minutes", async () => {
  const ctx = (locale: Locale) => ({
    url: new URL("http://x/customer/t?lang=pl"),
    state: { locale, nonce: "n" } as State,
  });
  const en = renderRateLimitedPage(ctx("en"), 90);
  assertEquals(en.status, 429);
  assertEquals(en.headers.get("retry-after"), "90");
  assertStringIncludes(await en.text(), "Please try again in 2 minutes.");
  assertStringIncludes(await renderRateLimitedPage(ctx("pl"), 300).text(), "za 5 minut.");
  assertStringIncludes(await renderRateLimitedPage(ctx("pl"), 120).text(), "za 2 minuty.");
  const one = await renderRateLimitedPage(ctx("es"), 10).text();
  assertStringIncludes(one, "dentro de 1 minuto.");
  // "Try again" drops ?lang so it does not set the cookie again.
  assertStringIncludes(one, 'href="/customer/t"');
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
    assertEquals(res.status, 200);
    assertStringIncludes(html, "Welcome, New Shop Ltd.");
    assertStringIncludes(html, "first visit");
    assertStringIncludes(html, "No Orders Found");
    assertStringIncludes(html, "No active orders at this time.");
    assertStringIncludes(html, "Your orders will appear here once placed.");
    assertMatch(html, /Questions\? Contact: <a href="mailto:sales@acme\.com">/);
    assertStringIncludes(html, "No shipments on the way right now.");
    assertEquals(rowLabels(html).length, 0);
    // A filter that matches nothing offers the way back to all orders.
    const none = await page(p, `${path}?status=cancelled`);
    assertStringIncludes(none.html, "No orders match this filter.");
    assertEquals(hrefs(none.html, new RegExp(`^${path}$`)).length, 1);
  });
});

Deno.test("with the real link middleware: a revoked link shows the org's contact, over the limit a friendly 429", async (t) => {
  const probe = await startPortal();
  const real = probe.realAccess;
  await probe.close();
  if (!real) {
    await t.step("skipped: lib/access is not wired yet", () => {});
    return;
  }
  const { revokeLinks } = await import("@/lib/access/tokens.ts");
  await withPortal(async (p) => {
    await revokeLinks(p.services.kv, "acme", "CUST-RS-2026-045", p.clock.now());
    const r = await page(p, p.dashboard + "?lang=es");
    assertEquals(r.res.status, 401);
    assertEquals(r.res.headers.get("cache-control"), "no-store");
    assertStringIncludes(r.html, "Enlace de acceso no válido o caducado");
    assertStringIncludes(r.html, "Contacte con ACME Manufacturing para obtener un enlace nuevo.");
    assertStringIncludes(r.html, 'href="mailto:sales@acme.com"');
  });
  const limited = await startPortal({ env: { RATE_LIMIT_PER_HOUR: "2" } });
  try {
    for (let i = 0; i < 2; i++) {
      assertEquals((await page(limited, limited.dashboard)).res.status, 200);
    }
    const r = await page(limited, limited.dashboard, { headers: { cookie: "lang=pl" } });
    assertEquals(r.res.status, 429);
    assert(Number(r.res.headers.get("retry-after")) > 0);
    assertStringIncludes(r.html, "Chwileczkę");
    assertMatch(r.html, /Spróbuj ponownie za \d+ minut/);
    assert(!/<script/.test(r.html));
  } finally {
    await limited.close();
  }
});
