/**
 * POST /customer/{token}/notifications: the order page's "Shipment emails" form. Turns the
 * shipment-status emails off (`shipment_emails=off`) or back on (`=on`) for the link's
 * customer, then 303s back to `return_to` (a path under this same link, else the dashboard)
 * with `?notice=emails_off|emails_on`, so a reload never posts again. Works without
 * JavaScript. The link middleware has already checked the link and the rate limit.
 *
 * The preference is per customer, not per link: the emails go to the customer's one address
 * whichever link was used (see lib/tracking/notify.ts), and the page says so.
 */
import { fieldsFromZod, ForbiddenError, InvalidInputError } from "@/lib/errors.ts";
import { readSmallForm } from "@/lib/http/forms.ts";
import { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";
import { log } from "@/lib/log.ts";
import { trackingMessages } from "@/lib/tracking/messages.ts";
import { setTrackingEmailOptOut } from "@/lib/tracking/notify.ts";
import { OptOutForm, redirectTarget } from "@/lib/tracking/optout_form.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async POST(ctx) {
    const { access, services } = ctx.state;
    const t = trackingMessages.bind(ctx.state.locale);
    if (isCrossSite(ctx.req, ownOrigins(ctx.url, services.config.publicBaseUrl))) {
      await ctx.req.body?.cancel().catch(() => {});
      throw new ForbiddenError(t("optout_forbidden"));
    }
    const parsed = OptOutForm.safeParse(await readSmallForm(ctx.req));
    if (!parsed.success) {
      throw new InvalidInputError(fieldsFromZod(parsed.error.issues), t("optout_invalid"));
    }
    const { org, customer, token } = access;
    const off = parsed.data.shipment_emails === "off";
    await setTrackingEmailOptOut(services.kv, org.slug, customer.ref, off);
    log.info("shipment emails preference", { org: org.slug, customer: customer.ref, off });
    const location = redirectTarget(token, parsed.data.return_to, off ? "emails_off" : "emails_on");
    return ctx.redirect(location, 303);
  },
});
