/**
 * `POST /api/admin/v1/customers/{customer_ref}/links`: a new link, shown only here.
 * - `{send_email?}` → 201 `{url, expires_at}` (the original form and answer);
 * - `{recipient_name?, recipient_email?, label?, send_email?}` → 201 `{link_id, url,
 *   expires_at}`: a link for one recipient (emailed to `recipient_email`, else the customer).
 * `GET` lists the customer's links without tokens → `{links: [LinkView]}`; `DELETE` revokes
 * every link of the customer → 204. A customer that does not exist in the key's org is a 404.
 */
import { isRecipientRequest, LinkRequest } from "@/lib/access/link_input.ts";
import { createLink, listLinks, revokeLinks } from "@/lib/access/tokens.ts";
import { adminCustomer as requireCustomer } from "@/lib/http/admin_customer.ts";
import { json, readJson } from "@/lib/http/json.ts";
import { adminDefine } from "@/lib/state.ts";

/** Answers holding or listing capability URLs' ids are never cached anywhere. */
const PRIVATE = { "cache-control": "no-store", "x-robots-tag": "noindex" };

export const handler = adminDefine.handlers({
  async POST(ctx) {
    const customer = await requireCustomer(ctx);
    // An empty body is `{}`; a body must otherwise be JSON.
    const body = ctx.req.headers.get("content-length") === "0" || !ctx.req.body
      ? {}
      : await readJson(ctx.req, LinkRequest);
    const link = await createLink(ctx.state.services, customer.org, customer.ref, {
      source: "admin_api",
      createdBy: { kind: "api_key" },
      sendEmail: body.send_email === true,
      recipientName: body.recipient_name,
      recipientEmail: body.recipient_email,
      label: body.label,
    });
    const answer = isRecipientRequest(body)
      ? { link_id: link.link_id, url: link.url, expires_at: link.expires_at }
      : { url: link.url, expires_at: link.expires_at };
    return json(answer, 201, PRIVATE);
  },
  async GET(ctx) {
    const customer = await requireCustomer(ctx);
    const links = await listLinks(ctx.state.services, customer.org, customer.ref);
    return json({ links }, 200, PRIVATE);
  },
  async DELETE(ctx) {
    const customer = await requireCustomer(ctx);
    const { kv, clock } = ctx.state.services;
    await revokeLinks(kv, customer.org, customer.ref, clock.now(), { by: { kind: "api_key" } });
    return new Response(null, { status: 204 });
  },
});
