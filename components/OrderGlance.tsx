/**
 * Status at a glance, the first thing on the order page: one large line in the customer's
 * words (lib/pages/outlook_text.ts, from lib/orders/progress.ts), the notes under it, whom to
 * contact when it is late or cancelled, and the step indicator (the order's own when one
 * shipment or none carries it; with several, each shipment has its steps in its block).
 */
import type { Locale, Order, Org, Shipment } from "@/lib/orders/model.ts";
import { deliveryOutlook, orderStep } from "@/lib/orders/progress.ts";
import type { T } from "@/lib/pages/messages.ts";
import { outlookText } from "@/lib/pages/outlook_text.ts";
import { ContactLinks } from "./Contact.tsx";
import { ProgressSteps } from "./ProgressSteps.tsx";

export function OrderGlance(
  { t, locale, order, shipments, org, now }: {
    t: T;
    locale: Locale;
    order: Order;
    shipments: Shipment[];
    org: Org;
    now: Date;
  },
) {
  const outlook = deliveryOutlook(order, shipments, now);
  const text = outlookText(outlook, t, locale, now);
  const step = orderStep(order, shipments);
  const delivered = shipments.filter((s) => s.status === "delivered").length;
  const contact = outlook.kind === "cancelled"
    ? t("glance.cancelledContact", { org: org.name })
    : outlook.kind === "late"
    ? t("glance.lateHelp", { org: org.name })
    : "";
  return (
    <section class={`card glance glance--${text.tone}`} aria-labelledby="glance-line">
      <h2 id="glance-line" class="glance__line">{text.line}</h2>
      {text.notes.map((n) => <p key={n} class="glance__note">{n}</p>)}
      {shipments.length > 1 && delivered > 0 && delivered < shipments.length && (
        <p class="glance__note">
          {t("glance.shipments", { delivered, count: shipments.length })}
        </p>
      )}
      {contact && (
        <p class="glance__note glance__contact">
          {contact} <ContactLinks org={org} />
        </p>
      )}
      {step && shipments.length <= 1 && (
        <ProgressSteps t={t} step={step} label={t("steps.label")} late={text.tone === "late"} />
      )}
    </section>
  );
}
