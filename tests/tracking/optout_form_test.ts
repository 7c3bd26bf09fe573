/** The "Shipment emails" form's pure parts: where it may return to, the cross-site check, the body. */
import { OptOutForm, redirectTarget, sameLinkReturn } from "@/lib/tracking/optout_form.ts";
import { MAX_FORM_BYTES, readSmallForm } from "@/lib/http/forms.ts";
import { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";
import { problemOf } from "@/lib/http/errors.ts";
import assert from "node:assert/strict";

const TOKEN = "mp_abc123";
const HOME = `/customer/${TOKEN}`;

Deno.test("return_to: only paths under the same link", () => {
  const ok = (v: string) =>
    sameLinkReturn(TOKEN, v)?.toString().replace("http://portal.invalid", "");
  assert.deepEqual(ok(HOME), HOME);
  assert.deepEqual(ok(`${HOME}/orders/ORD-008456`), `${HOME}/orders/ORD-008456`);
  assert.deepEqual(
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
    assert.deepEqual(sameLinkReturn(TOKEN, bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(sameLinkReturn(TOKEN, undefined), null);
});

Deno.test("redirect target: return_to with the notice, else the dashboard", () => {
  assert.deepEqual(
    redirectTarget(TOKEN, `${HOME}/orders/ORD-1?lang=pl#shipment-emails`, "emails_off"),
    `${HOME}/orders/ORD-1?lang=pl&notice=emails_off#shipment-emails`,
  );
  // An older notice is replaced, not repeated.
  assert.deepEqual(
    redirectTarget(TOKEN, `${HOME}/orders/ORD-1?notice=emails_off`, "emails_on"),
    `${HOME}/orders/ORD-1?notice=emails_on`,
  );
  assert.deepEqual(
    redirectTarget(TOKEN, "https://evil.example/", "emails_on"),
    `${HOME}?notice=emails_on`,
  );
  assert.deepEqual(redirectTarget(TOKEN, undefined, "emails_off"), `${HOME}?notice=emails_off`);
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
  assert.deepEqual(isCrossSite(req({}), own), false);
  assert.deepEqual(isCrossSite(req({ "sec-fetch-site": "same-origin" }), own), false);
  assert.deepEqual(isCrossSite(req({ "sec-fetch-site": "none" }), own), false);
  assert.deepEqual(isCrossSite(req({ "sec-fetch-site": "cross-site" }), own), true);
  assert.deepEqual(isCrossSite(req({ "sec-fetch-site": "same-site" }), own), true);
  // With Referrer-Policy: no-referrer, a same-origin form POST carries `Origin: null`.
  assert.deepEqual(
    isCrossSite(req({ "sec-fetch-site": "same-origin", origin: "null" }), own),
    false,
  );
  assert.deepEqual(isCrossSite(req({ origin: "null" }), own), false);
  assert.deepEqual(isCrossSite(req({ origin: "http://127.0.0.1:8000" }), own), false);
  assert.deepEqual(isCrossSite(req({ origin: "https://portal.example" }), own), false);
  assert.deepEqual(isCrossSite(req({ origin: "https://evil.example" }), own), true);
  assert.deepEqual(
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
  assert.deepEqual(
    await readSmallForm(
      post("shipment_emails=off&return_to=%2Fcustomer%2Fx", "application/x-www-form-urlencoded"),
    ),
    { shipment_emails: "off", return_to: "/customer/x" },
  );
  const fd = new FormData();
  fd.set("shipment_emails", "on");
  fd.set("file", new File(["x"], "x.txt"));
  assert.deepEqual(await readSmallForm(new Request("http://x/", { method: "POST", body: fd })), {
    shipment_emails: "on",
  });
  const status = async (r: Request) => {
    try {
      await readSmallForm(r);
    } catch (err) {
      const problem = problemOf(err);
      assert(problem, `not a client error: ${err}`);
      return problem.status;
    }
    assert.fail("expected readSmallForm to reject");
  };
  assert.deepEqual(await status(post("{}", "application/json")), 415);
  assert.deepEqual(
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
  assert.deepEqual(await status(post(stream, "application/x-www-form-urlencoded")), 413);
  assert.deepEqual(await status(post("garbage", "multipart/form-data; boundary=zz")), 400);
});
