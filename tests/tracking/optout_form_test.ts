/** The "Shipment emails" form's pure parts: where it may return to, the cross-site check, the body. */
import {
  isCrossSite,
  MAX_FORM_BYTES,
  OptOutForm,
  ownOrigins,
  readSmallForm,
  redirectTarget,
  sameLinkReturn,
} from "@/lib/tracking/optout_form.ts";
import { HttpError } from "@/lib/http/errors.ts";
import { assert, assertEquals, assertRejects } from "@/tests/helpers/assert.ts";

const TOKEN = "mp_abc123";
const HOME = `/customer/${TOKEN}`;

Deno.test("return_to: only paths under the same link", () => {
  const ok = (v: string) =>
    sameLinkReturn(TOKEN, v)?.toString().replace("http://portal.invalid", "");
  assertEquals(ok(HOME), HOME);
  assertEquals(ok(`${HOME}/orders/ORD-008456`), `${HOME}/orders/ORD-008456`);
  assertEquals(
    ok(`${HOME}/orders/ORD-008456?lang=es#shipment-emails`),
    `${HOME}/orders/ORD-008456?lang=es#shipment-emails`,
  );
  for (
    const bad of [
      "",
      "orders/ORD-1",
      "https://evil.example/customer/mp_abc123",
      "//evil.example/customer/mp_abc123",
      "/\\evil.example",
      "/customer/mp_other/orders/ORD-1",
      "/customer/mp_abc1234",
      `${HOME}/../mp_other`,
      `${HOME}/%2e%2e/mp_other`,
      "/customer/mp_abc123\t/x",
      "/customer/mp_abc123\n/x",
      "/api/portal/customer/mp_abc123/orders",
      "/" + "a".repeat(2100),
    ]
  ) {
    assertEquals(sameLinkReturn(TOKEN, bad), null, JSON.stringify(bad));
  }
  assertEquals(sameLinkReturn(TOKEN, undefined), null);
});

Deno.test("redirect target: return_to with the notice, else the dashboard", () => {
  assertEquals(
    redirectTarget(TOKEN, `${HOME}/orders/ORD-1?lang=pl#shipment-emails`, "emails_off"),
    `${HOME}/orders/ORD-1?lang=pl&notice=emails_off#shipment-emails`,
  );
  // An older notice is replaced, not repeated.
  assertEquals(
    redirectTarget(TOKEN, `${HOME}/orders/ORD-1?notice=emails_off`, "emails_on"),
    `${HOME}/orders/ORD-1?notice=emails_on`,
  );
  assertEquals(
    redirectTarget(TOKEN, "https://evil.example/", "emails_on"),
    `${HOME}?notice=emails_on`,
  );
  assertEquals(redirectTarget(TOKEN, undefined, "emails_off"), `${HOME}?notice=emails_off`);
});

Deno.test("form fields: shipment_emails is off or on", () => {
  assert(OptOutForm.safeParse({ shipment_emails: "off" }).success);
  assert(OptOutForm.safeParse({ shipment_emails: "on", return_to: HOME }).success);
  assert(!OptOutForm.safeParse({ shipment_emails: "maybe" }).success);
  assert(!OptOutForm.safeParse({}).success);
});

Deno.test("cross-site check: Sec-Fetch-Site first, then Origin; Origin null is not foreign", () => {
  const own = ownOrigins(new URL("http://127.0.0.1:8000/x"), "https://portal.example");
  const req = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1:8000/x", { method: "POST", headers });
  assertEquals(isCrossSite(req({}), own), false);
  assertEquals(isCrossSite(req({ "sec-fetch-site": "same-origin" }), own), false);
  assertEquals(isCrossSite(req({ "sec-fetch-site": "none" }), own), false);
  assertEquals(isCrossSite(req({ "sec-fetch-site": "cross-site" }), own), true);
  assertEquals(isCrossSite(req({ "sec-fetch-site": "same-site" }), own), true);
  // With Referrer-Policy: no-referrer, a same-origin form POST carries `Origin: null`.
  assertEquals(isCrossSite(req({ "sec-fetch-site": "same-origin", origin: "null" }), own), false);
  assertEquals(isCrossSite(req({ origin: "null" }), own), false);
  assertEquals(isCrossSite(req({ origin: "http://127.0.0.1:8000" }), own), false);
  assertEquals(isCrossSite(req({ origin: "https://portal.example" }), own), false);
  assertEquals(isCrossSite(req({ origin: "https://evil.example" }), own), true);
  assertEquals(
    isCrossSite(req({ "sec-fetch-site": "same-origin", origin: "https://evil.example" }), own),
    true,
  );
});

Deno.test("form body: urlencoded and multipart, bounded, typed", async () => {
  const post = (body: BodyInit, type?: string) =>
    new Request("http://x/", {
      method: "POST",
      body,
      headers: type ? { "content-type": type } : {},
    });
  assertEquals(
    await readSmallForm(
      post("shipment_emails=off&return_to=%2Fcustomer%2Fx", "application/x-www-form-urlencoded"),
    ),
    { shipment_emails: "off", return_to: "/customer/x" },
  );
  const fd = new FormData();
  fd.set("shipment_emails", "on");
  fd.set("file", new File(["x"], "x.txt"));
  assertEquals(await readSmallForm(new Request("http://x/", { method: "POST", body: fd })), {
    shipment_emails: "on",
  });
  const status = async (r: Request) => {
    const err = await assertRejects(() => readSmallForm(r));
    assert(err instanceof HttpError);
    return err.status;
  };
  assertEquals(await status(post("{}", "application/json")), 415);
  assertEquals(
    await status(post("a=" + "x".repeat(MAX_FORM_BYTES), "application/x-www-form-urlencoded")),
    413,
  );
  // No content-length (a stream): still bounded.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
      c.close();
    },
  });
  assertEquals(await status(post(stream, "application/x-www-form-urlencoded")), 413);
  assertEquals(await status(post("garbage", "multipart/form-data; boundary=zz")), 400);
});
