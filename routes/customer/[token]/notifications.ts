/**
 * POST /customer/{token}/notifications: the order page's "Shipment emails" form. Turns the
 * shipment-status emails off (`shipment_emails=off`) or back on (`=on`) for the link's
 * customer, then 303s back to `return_to` (a path under this same link, else the dashboard)
 * with `?notice=emails_off|emails_on`, so a reload never posts again. Works without
 * JavaScript. The token middleware has already checked the link and the rate limit.
 *
 * The preference is per customer, not per link: the emails go to the customer's one address
 * whichever link was used (see lib/tracking/notify.ts), and the page says so.
 */
import type { Handlers } from "@/lib/framework/types.ts";
import { fieldsFromZod, HttpError } from "@/lib/http/errors.ts";
import { log } from "@/lib/log.ts";
import { renderLinkInvalidPage } from "@/lib/pages/link_error.tsx";
import { trackingMessages } from "@/lib/tracking/messages.ts";
import { setTrackingEmailOptOut } from "@/lib/tracking/notify.ts";
import {
  isCrossSite,
  OptOutForm,
  ownOrigins,
  readSmallForm,
  redirectTarget,
} from "@/lib/tracking/optout_form.ts";

export const handler: Handlers = {
  async POST(ctx) {
    const access = ctx.state.access;
    if (!access) {
      await ctx.req.body?.cancel().catch(() => {});
      return renderLinkInvalidPage(ctx, undefined);
    }
    const t = trackingMessages.bind(ctx.state.locale);
    if (isCrossSite(ctx.req, ownOrigins(ctx.url, ctx.services.config.publicBaseUrl))) {
      await ctx.req.body?.cancel().catch(() => {});
      throw new HttpError(403, "forbidden", t("optout_forbidden"));
    }
    const parsed = OptOutForm.safeParse(await readSmallForm(ctx.req));
    if (!parsed.success) {
      throw new HttpError(
        422,
        "validation_failed",
        t("optout_invalid"),
        fieldsFromZod(parsed.error.issues),
      );
    }
    const { org, customer, token } = access;
    const off = parsed.data.shipment_emails === "off";
    await setTrackingEmailOptOut(ctx.services.kv, org.slug, customer.ref, off);
    log.info("shipment emails preference", { org: org.slug, customer: customer.ref, off });
    const location = redirectTarget(token, parsed.data.return_to, off ? "emails_off" : "emails_on");
    return new Response(null, { status: 303, headers: { location } });
  },
};
