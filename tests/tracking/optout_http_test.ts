/**
 * "Shipment emails" over real HTTP on the demo seed: the order page shows the customer's
 * setting, the form's POST flips it and 303s back with a notice, foreign sites are refused,
 * bad input is a 4xx page (never a 500), and the token never reaches a log line.
 */
import { seedDemo } from "@/lib/seed/demo.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { isTrackingEmailOptedOut } from "@/lib/tracking/notify.ts";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";

const ORDER = "ORD-008456";

async function withPortal(fn: (s: TestServer, link: string, token: string) => Promise<void>) {
  let link = "";
  const server = await startTestServer({
    env: { RATE_LIMIT_PER_HOUR: "10000" },
    setup: async (services) => {
      link = new URL((await seedDemo(services))!).pathname;
    },
  });
  try {
    await fn(server, link, decodeURIComponent(link.split("/")[2]));
  } finally {
    await server.close();
  }
}

function post(
  s: TestServer,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { "sec-fetch-site": "same-origin", origin: "null" },
) {
  return s.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const optedOut = (s: TestServer) =>
  isTrackingEmailOptedOut(s.services.kv, DEMO_ORG.slug, DEMO_CUSTOMER.ref);

/** The form's hidden fields and button, from the page's HTML. */
function form(html: string) {
  const section = html.match(/<section[^>]*id="shipment-emails"[\s\S]*?<\/section>/)?.[0] ?? "";
  return {
    section,
    action: section.match(/<form method="post" action="([^"]+)"/)?.[1],
    value: section.match(/name="shipment_emails" value="([^"]+)"/)?.[1],
    returnTo: section.match(/name="return_to" value="([^"]+)"/)?.[1]?.replaceAll("&amp;", "&"),
    button: section.match(/<button[^>]*>([^<]+)<\/button>/)?.[1],
    status: section.match(/<p class="emails__notice" role="status">([^<]*)<\/p>/)?.[1],
  };
}

Deno.test("order page: shipment emails round trip off and on, with notices (en)", async () => {
  await withPortal(async (s, link, token) => {
    const page = `${link}/orders/${ORDER}`;
    let res = await s.fetch(page);
    assert.deepEqual(res.status, 200);
    let f = form(await res.text());
    assert.match(f.section, /Shipment emails for Retail Store Co\. are on/);
    assert.match(f.section, /on every portal link/);
    assert.deepEqual(f.action, `/customer/${token}/notifications`);
    assert.deepEqual(f.value, "off");
    assert.deepEqual(f.returnTo, `${page}#shipment-emails`);
    assert.deepEqual(f.button, "Stop shipment emails");
    assert.deepEqual(f.status, "");

    res = await post(s, f.action!, { shipment_emails: f.value!, return_to: f.returnTo! });
    assert.deepEqual(res.status, 303);
    assert.deepEqual(res.headers.get("location"), `${page}?notice=emails_off#shipment-emails`);
    assert.deepEqual(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(await optedOut(s), true);

    res = await s.fetch(res.headers.get("location")!);
    f = form(await res.text());
    assert.deepEqual(f.status, "Done: shipment emails for Retail Store Co. are now off.");
    assert.match(f.section, /Shipment emails for Retail Store Co\. are off\./);
    assert.deepEqual(f.value, "on");
    assert.deepEqual(f.button, "Resume shipment emails");
    // The way back drops the notice, so it is not shown twice after the next change.
    assert.deepEqual(f.returnTo, `${page}#shipment-emails`);

    res = await post(s, f.action!, { shipment_emails: "on", return_to: f.returnTo! });
    assert.deepEqual(res.headers.get("location"), `${page}?notice=emails_on#shipment-emails`);
    assert.deepEqual(await optedOut(s), false);
    f = form(await (await s.fetch(res.headers.get("location")!)).text());
    assert.deepEqual(f.status, "Done: shipment emails for Retail Store Co. are on again.");
    assert.deepEqual(f.button, "Stop shipment emails");

    // An unknown notice shows nothing.
    f = form(await (await s.fetch(`${page}?notice=<b>hi</b>`)).text());
    assert.deepEqual(f.status, "");

    // The token never reaches a log line.
    assert(!s.logs.some((l) => l.includes(token)), "token in logs");
    assert(s.logs.some((l) => l.includes("shipment emails preference")));
  });
});

Deno.test("order page: the shipment emails form in es and pl keeps the language", async () => {
  await withPortal(async (s, link) => {
    for (
      const [lang, state, notice, button] of [
        [
          "es",
          "Los avisos de envío para Retail Store Co. están activados",
          "Hecho: los avisos de envío para Retail Store Co. están desactivados.",
          "Dejar de recibir avisos de envío",
        ],
        [
          "pl",
          "Powiadomienia o przesyłkach dla Retail Store Co. są włączone",
          "Gotowe: powiadomienia o przesyłkach dla Retail Store Co. są wyłączone.",
          "Wyłącz powiadomienia o przesyłkach",
        ],
      ]
    ) {
      const page = `${link}/orders/${ORDER}?lang=${lang}`;
      let f = form(await (await s.fetch(page)).text());
      assert.ok(f.section.includes(state), `missing ${state}`);
      assert.deepEqual(f.button, button);
      assert.deepEqual(f.returnTo, `${page}#shipment-emails`);
      const res = await post(s, f.action!, { shipment_emails: "off", return_to: f.returnTo! });
      assert.deepEqual(
        res.headers.get("location"),
        `${link}/orders/${ORDER}?lang=${lang}&notice=emails_off#shipment-emails`,
      );
      f = form(await (await s.fetch(res.headers.get("location")!)).text());
      assert.deepEqual(f.status, notice);
      await post(s, f.action!, { shipment_emails: "on", return_to: f.returnTo! });
    }
  });
});

Deno.test("notifications: return_to outside this link goes to the dashboard", async () => {
  await withPortal(async (s, link, token) => {
    const other = `/customer/mp_${"x".repeat(40)}/orders/${ORDER}`;
    for (
      const returnTo of [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        other,
        `${link}/../other`,
        "",
      ]
    ) {
      const res = await post(s, `${link}/notifications`, {
        shipment_emails: "off",
        return_to: returnTo,
      });
      assert.deepEqual(res.status, 303, returnTo);
      assert.deepEqual(
        res.headers.get("location"),
        `/customer/${token}?notice=emails_off`,
        returnTo,
      );
    }
    const res = await post(s, `${link}/notifications`, { shipment_emails: "on" });
    assert.deepEqual(res.headers.get("location"), `/customer/${token}?notice=emails_on`);
  });
});

Deno.test("notifications: cross-site posts are 403 and change nothing", async () => {
  await withPortal(async (s, link) => {
    const fields = { shipment_emails: "off", return_to: link };
    for (
      const headers of [
        { "sec-fetch-site": "cross-site" },
        { "sec-fetch-site": "same-site" },
        { origin: "https://evil.example" },
        { "sec-fetch-site": "same-origin", origin: "https://evil.example" },
      ] as Record<string, string>[]
    ) {
      const res = await post(s, `${link}/notifications`, fields, headers);
      assert.deepEqual(res.status, 403, JSON.stringify(headers));
      assert.match(await res.text(), /only be sent from the portal/);
      assert.deepEqual(await optedOut(s), false);
    }
    // The portal's own origin, or no browser headers at all (the token decides), work.
    for (const headers of [{ origin: s.url }, {}] as Record<string, string>[]) {
      const res = await post(s, `${link}/notifications`, fields, headers);
      assert.deepEqual(res.status, 303, JSON.stringify(headers));
    }
    assert.deepEqual(await optedOut(s), true);
  });
});

Deno.test("notifications: bad input is a 4xx page, a bad link the link page", async () => {
  await withPortal(async (s, link) => {
    const status = async (res: Promise<Response>) => {
      const r = await res;
      await r.body?.cancel();
      return r.status;
    };
    assert.deepEqual(
      await status(post(s, `${link}/notifications`, { shipment_emails: "maybe" })),
      422,
    );
    assert.deepEqual(await status(post(s, `${link}/notifications`, {})), 422);
    assert.deepEqual(
      await status(s.fetch(`${link}/notifications`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      })),
      415,
    );
    assert.deepEqual(
      await status(
        post(s, `${link}/notifications`, { shipment_emails: "off", x: "y".repeat(9000) }),
      ),
      413,
    );
    assert.deepEqual(await status(s.fetch(`${link}/notifications`)), 405);
    assert.deepEqual(await optedOut(s), false);
    const res = await post(s, `/customer/mp_${"x".repeat(40)}/notifications`, {
      shipment_emails: "off",
    });
    assert.deepEqual(res.status, 401);
    assert.match(await res.text(), /Access Link Invalid or Expired/);
  });
});
