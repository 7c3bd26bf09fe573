/**
 * `DELETE /api/admin/v1/customers/{customer_ref}/links/{link_id}`: revokes that one link →
 * 204 (also when it had ended already). A link id of another customer or org is a 404.
 */
import { revokeLink } from "@/lib/access/tokens.ts";
import { adminCustomer } from "@/lib/http/admin_customer.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async DELETE(ctx) {
    const customer = await adminCustomer(ctx);
    await revokeLink(ctx.state.services, customer.org, customer.ref, ctx.params.link_id, {
      by: { kind: "api_key" },
    });
    return new Response(null, { status: 204 });
  },
});
