/**
 * "Shipment emails" on the order page: the current setting, whom it covers, and one button
 * that flips it. A plain form (no JavaScript) posting to /customer/{token}/notifications,
 * which 303s back here with `?notice=`; the notice is shown in a status region.
 */
import type { Locale } from "@/lib/orders/model.ts";
import { trackingMessages } from "@/lib/tracking/messages.ts";
import type { Notice } from "@/lib/tracking/optout_form.ts";

export const SHIPMENT_EMAILS_ID = "shipment-emails";

export interface ShipmentEmailsProps {
  locale: Locale;
  token: string;
  customerName: string;
  email: string;
  optedOut: boolean;
  /** This page's path and query (without `notice`), to come back to. */
  returnTo: string;
  notice: Notice | null;
}

export function ShipmentEmails(props: ShipmentEmailsProps) {
  const t = trackingMessages.bind(props.locale);
  const vars = { customer: props.customerName, email: props.email };
  const action = `/customer/${encodeURIComponent(props.token)}/notifications`;
  return (
    <section
      class="card"
      id={SHIPMENT_EMAILS_ID}
      tabIndex={-1}
      aria-labelledby="shipment-emails-title"
    >
      <h2 id="shipment-emails-title" class="card__title">{t("optout_title")}</h2>
      <div class="card__body emails">
        <p class="emails__notice" role="status">
          {props.notice === "emails_off" && t("optout_notice_off", vars)}
          {props.notice === "emails_on" && t("optout_notice_on", vars)}
        </p>
        <p>{props.optedOut ? t("optout_state_off", vars) : t("optout_state_on", vars)}</p>
        <p class="muted">{t("optout_scope", vars)}</p>
        <form method="post" action={action}>
          <input type="hidden" name="shipment_emails" value={props.optedOut ? "on" : "off"} />
          <input type="hidden" name="return_to" value={`${props.returnTo}#${SHIPMENT_EMAILS_ID}`} />
          <button type="submit" class="btn btn--ghost">
            {props.optedOut ? t("optout_button_resume") : t("optout_button_stop")}
          </button>
        </form>
      </div>
    </section>
  );
}
