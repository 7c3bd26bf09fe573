/**
 * The shipment-status email: one localized email to the customer when a shipment's
 * normalized status changes, never twice for the same shipment and status (the idempotency
 * key `shipment-status:{org}:{tracking}:{status}` dedups the enqueue and the delivery, so a
 * redelivered poll message cannot send it again).
 *
 * Opt-out is kept PER CUSTOMER, `["tracking_email_optout", org, customer_ref]`: the email
 * goes to the customer's one address whichever link they used, and the links of a customer
 * are shared by its staff (spec: "multi-user"), so one switch for the customer is what a
 * person who clicks "stop" expects. The order page sets it with `setTrackingEmailOptOut`.
 */
import { z } from "zod";
import type { Customer, Org, Shipment, TrackingStatus } from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { PermanentError } from "@/lib/queue/errors.ts";
import { renderEmail } from "@/lib/email/render.ts";
import { sendTemplatedEmail } from "@/lib/email/send.ts";
import type { EmailTemplate } from "@/lib/email/templates.ts";
import { formatDate } from "@/lib/i18n/format.ts";
import type { Services } from "@/lib/services.ts";
import { CARRIER_NAMES } from "@/lib/orders/carrier_links.ts";
import { trackingMessages } from "./messages.ts";

const keys = {
  optOut: (org: string, customerRef: string): Deno.KvKey => [
    "tracking_email_optout",
    org,
    customerRef,
  ],
};

/** Turns shipment emails off (true) or back on (false) for a customer. */
export async function setTrackingEmailOptOut(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
  optOut: boolean,
): Promise<void> {
  if (optOut) await kv.set(keys.optOut(org, customerRef), { at: new Date().toISOString() });
  else await kv.delete(keys.optOut(org, customerRef));
}

export async function isTrackingEmailOptedOut(
  kv: Deno.Kv,
  org: string,
  customerRef: string,
): Promise<boolean> {
  return (await kv.get(keys.optOut(org, customerRef))).value !== null;
}

export const statusEmailKey = (org: string, tracking: string, status: TrackingStatus) =>
  `shipment-status:${org}:${tracking}:${status}`;

export interface StatusEmailInput {
  org: Org;
  customer: Customer;
  /** The shipment as it is after the change. */
  shipment: Shipment;
  orderUrl?: string | null;
}

/** Renders the email in the customer's language. */
export function renderStatusEmail({ org, customer, shipment, orderUrl }: StatusEmailInput) {
  const locale = customer.locale;
  const t = trackingMessages.bind(locale);
  const status = t(`status_${shipment.status}`);
  const carrier = shipment.carrier_name ?? CARRIER_NAMES[shipment.carrier] ?? shipment.carrier;
  const vars = {
    org: org.name,
    name: customer.name,
    order: shipment.order_number,
    tracking: shipment.tracking_number,
    carrier,
    status,
    email: org.support_email,
    phone: org.support_phone,
  };
  const last = shipment.events.at(-1);
  const paragraphs = [t("email_greeting", vars), t("email_body", vars)];
  if (shipment.status === "delivered" && last) {
    paragraphs.push(t("email_delivered", { date: formatDate(locale, last.occurred_at) }));
  } else if (shipment.estimated_delivery) {
    paragraphs.push(t("email_estimate", { date: formatDate(locale, shipment.estimated_delivery) }));
  }
  if (shipment.status === "exception" && last?.description) {
    paragraphs.push(t("email_exception", { detail: last.description }));
  }
  if (!orderUrl) paragraphs.push(t("email_no_link"));
  const rendered = renderEmail({
    locale,
    brand: org.name,
    title: t("email_title", vars),
    paragraphs,
    ...(orderUrl ? { button: { label: t("email_button"), href: orderUrl } } : {}),
    footer: [t("email_contact", vars), t("email_optout", vars)],
  });
  return { subject: t("email_subject", vars), ...rendered };
}

const StatusEmailData = z.object({
  customer_ref: z.string().min(1).max(100),
  /** The shipment as it was after the change (its last event only: what the email shows). */
  shipment: z.custom<Shipment>((v) => typeof v === "object" && v !== null),
});

/**
 * The status email as a template, rendered at delivery with a link to the order page that
 * is minted then (lib/access/email_links.ts: a status-email link, 30 days idle by default),
 * so the queue never holds a token and a repeated status never mints a link.
 */
export const statusEmailTemplate: EmailTemplate<z.infer<typeof StatusEmailData>> = {
  name: "shipment_status",
  schema: StatusEmailData,
  async render(services, data, { job, url }) {
    const [org, customer] = await Promise.all([
      getOrg(services.kv, job.org),
      getCustomer(services.kv, job.org, data.customer_ref),
    ]);
    if (!org || !customer) throw new PermanentError("The org or customer no longer exists.");
    const { subject, html, text } = renderStatusEmail({
      org,
      customer,
      shipment: data.shipment,
      orderUrl: url,
    });
    return { subject, html, text };
  },
};

/**
 * Queues the status email unless the customer opted out. Returns what happened; "duplicate"
 * when this shipment already had an email for this status.
 */
export async function sendStatusEmail(
  services: Services,
  input: Omit<StatusEmailInput, "orderUrl">,
): Promise<"queued" | "duplicate" | "opted_out"> {
  const { org, customer, shipment } = input;
  if (await isTrackingEmailOptedOut(services.kv, org.slug, customer.ref)) return "opted_out";
  const { subject } = renderStatusEmail({ ...input, orderUrl: null });
  const res = await sendTemplatedEmail(services, {
    org: org.slug,
    to: [customer.email],
    subject,
    template: statusEmailTemplate.name,
    data: {
      customer_ref: customer.ref,
      shipment: { ...shipment, events: shipment.events.slice(-1) },
    },
    link: {
      customer_ref: customer.ref,
      source: "status_email",
      created_by: { kind: "system" },
      path: `/orders/${encodeURIComponent(shipment.order_number)}`,
    },
    idempotency_key: statusEmailKey(org.slug, shipment.tracking_number, shipment.status),
    tags: { kind: "shipment_status" },
  });
  return res.enqueued ? "queued" : "duplicate";
}
