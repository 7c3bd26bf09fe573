/**
 * The shipment-status email: one localized email to the customer when a shipment's
 * normalized status changes, never twice for the same shipment and status (the idempotency
 * key `shipment-status:{org}:{customer}:{order}:{tracking}:{status}` dedups the enqueue and
 * the delivery, so a redelivered poll message cannot send it again). A "delivered" email says
 * who received or signed for it, where it was left and whether the carrier holds a proof of
 * delivery; an "exception" (or a delay) says the carrier's reason and its revised estimate.
 *
 * The key names the order and customer because two orders (of one customer or two) can
 * share a tracking number, and each is told. Until issue 11 the key was
 * `shipment-status:{org}:{tracking}:{status}`; an email queued or sent under that key (its
 * records live 30 days) counts as sent for every order with that number, so nothing already
 * sent goes out again after the deploy. The old key cannot say WHICH order it was for, and a
 * duplicate is worse than the old behaviour for one status of a shared number in that window.
 * `legacyStatusEmailKey` can go 30 days after the deploy.
 *
 * Opt-out is kept PER CUSTOMER, `["tracking_email_optout", org, customer_ref]`: the email
 * goes to the customer's one address whichever link they used, and the links of a customer
 * are shared by its staff (spec: "multi-user"), so one switch for the customer is what a
 * person who clicks "stop" expects. The order page sets it with `setTrackingEmailOptOut`.
 */
import { z } from "zod";
import type {
  Customer,
  DeliveryFacts,
  Locale,
  Org,
  Shipment,
  TrackingStatus,
} from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { PermanentError } from "@/lib/queue/errors.ts";
import { renderEmail } from "@/lib/email/render.ts";
import { emailKeyUsed, sendTemplatedEmail } from "@/lib/email/send.ts";
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

/** The email's idempotency key: one per org, customer, order, tracking number and status. */
export const statusEmailKey = (
  s: { org: string; customer_ref: string; order_number: string; tracking_number: string },
  status: TrackingStatus,
) => `shipment-status:${s.org}:${s.customer_ref}:${s.order_number}:${s.tracking_number}:${status}`;

/** The key before issue 11 (org, number, status): honoured while its records last. */
export const legacyStatusEmailKey = (org: string, tracking: string, status: TrackingStatus) =>
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
  const paragraphs = [
    t("email_greeting", vars),
    t("email_body", vars),
    ...(shipment.status === "delivered"
      ? deliveredParagraphs(locale, shipment)
      : progressParagraphs(locale, shipment)),
  ];
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

/** The carrier's words for an email: one line, bounded, without a trailing full stop. */
function carrierWords(s: string | undefined, max = 120): string | undefined {
  const one = s?.replace(/[\p{Cc}\p{Zl}\p{Zp}\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu, " ")
    .replace(/\s+/g, " ").trim();
  if (!one) return undefined;
  const cut = one.length > max ? `${one.slice(0, max - 1).trimEnd()}…` : one;
  return cut.replace(/[.;:,]+$/, "");
}

/** When, who took or signed for it, where it was left, and the proof of delivery. */
function deliveredParagraphs(locale: Locale, s: Shipment): string[] {
  const t = trackingMessages.bind(locale);
  const out: string[] = [];
  const at = [...s.events].reverse().find((e) => e.status === "delivered") ?? s.events.at(-1);
  if (at) out.push(t("email_delivered", { date: formatDate(locale, at.occurred_at) }));
  const d: DeliveryFacts = s.delivery ?? {};
  const received = carrierWords(d.received_by, 80);
  const signed = carrierWords(d.signed_by, 80);
  if (signed) out.push(t("email_signed_by", { name: signed }));
  if (received && received.toLowerCase() !== signed?.toLowerCase()) {
    out.push(t("email_received_by", { name: received }));
  }
  const words = carrierWords(d.left_at_text);
  if (d.left_at && d.left_at !== "other") out.push(t(`email_left_${d.left_at}`));
  else if (words) out.push(t("email_left_other", { place: words }));
  const pod = d.proof_of_delivery;
  if (pod?.url && /^https:\/\//.test(pod.url)) out.push(t("email_pod_link", { url: pod.url }));
  else if (pod?.available) out.push(t(`email_pod_${pod.kind ?? "document"}`));
  else if (pod) out.push(t("email_pod_none"));
  return out;
}

/** The estimate (the carrier's revised one after a delay), and the reason of a problem. */
function progressParagraphs(locale: Locale, s: Shipment): string[] {
  const t = trackingMessages.bind(locale);
  const out: string[] = [];
  const d = s.delivery;
  const reason = carrierWords(d?.delay_reason) ??
    (s.status === "exception" ? carrierWords(s.events.at(-1)?.description) : undefined);
  if (s.status === "exception") {
    out.push(reason ? t("email_exception", { detail: reason }) : t("email_exception_unknown"));
  } else if (reason) {
    out.push(t("email_delay", { detail: reason }));
  }
  if (d?.revised_estimate) {
    out.push(t("email_revised_estimate", { date: formatDate(locale, d.revised_estimate) }));
  } else if (s.estimated_delivery) {
    out.push(t("email_estimate", { date: formatDate(locale, s.estimated_delivery) }));
  }
  return out;
}

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
  const legacy = legacyStatusEmailKey(org.slug, shipment.tracking_number, shipment.status);
  if (await emailKeyUsed(services.kv, legacy)) return "duplicate";
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
    idempotency_key: statusEmailKey(
      {
        org: org.slug,
        customer_ref: customer.ref,
        order_number: shipment.order_number,
        tracking_number: shipment.tracking_number,
      },
      shipment.status,
    ),
    tags: { kind: "shipment_status" },
  });
  return res.enqueued ? "queued" : "duplicate";
}
