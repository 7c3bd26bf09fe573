/**
 * The magic-link email (issue 3): a portal link for the customer (or one recipient of it),
 * in the customer's language, with how long the link lives unused and the org's contact.
 * It is queued as a template (never with the link inside) and rendered at delivery.
 */
import { defineMessages } from "@/lib/i18n/messages.ts";
import { z } from "zod";
import type { Customer, Org } from "@/lib/orders/model.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { PermanentError } from "@/lib/queue/errors.ts";
import { type RenderedEmail, renderEmail } from "@/lib/email/render.ts";
import type { EmailLinkSpec } from "@/lib/email/message.ts";
import type { TemplatedEmailInput } from "@/lib/email/outgoing.ts";
import type { EmailTemplate } from "@/lib/email/templates.ts";

/** In the i18n registry as "email.magic_link", so the catalogue parity test covers it. */
export const magicLinkMessages = defineMessages("email.magic_link", {
  en: {
    subject: "Your order portal link from {org}",
    title: "Your order portal",
    greeting: "Hello {name},",
    intro:
      "{org} has given you access to the MonoPilot Customer Portal, where you can follow your orders and shipments and download your documents. No password is needed: the button below opens it.",
    button: "View your orders",
    fallback: "If the button does not work, copy this link into your browser:",
    validity:
      "The link stays valid as long as it is used at least once every {days} days. Anyone who has it can see your orders, so share it only with colleagues who need it.",
    contact: "Questions, or need a new link? Contact {org}: {email}, {phone}.",
    footer:
      "Sent by {org} through the MonoPilot Customer Portal. If this email reached you by mistake, you can ignore it.",
  },
  es: {
    subject: "Su enlace al portal de pedidos de {org}",
    title: "Su portal de pedidos",
    greeting: "Hola, {name}:",
    intro:
      "{org} le ha dado acceso al MonoPilot Customer Portal, donde puede seguir sus pedidos y envíos y descargar sus documentos. No necesita contraseña: el botón de abajo lo abre.",
    button: "Ver sus pedidos",
    fallback: "Si el botón no funciona, copie este enlace en su navegador:",
    validity:
      "El enlace sigue siendo válido mientras se use al menos una vez cada {days} días. Cualquier persona que lo tenga puede ver sus pedidos, así que compártalo solo con los compañeros que lo necesiten.",
    contact: "¿Tiene preguntas o necesita un enlace nuevo? Contacte con {org}: {email}, {phone}.",
    footer:
      "Enviado por {org} a través del MonoPilot Customer Portal. Si este correo le ha llegado por error, puede ignorarlo.",
  },
  pl: {
    subject: "Twój link do portalu zamówień od {org}",
    title: "Twój portal zamówień",
    greeting: "Dzień dobry, {name},",
    intro:
      "{org} udostępnia Ci MonoPilot Customer Portal, w którym możesz śledzić zamówienia i przesyłki oraz pobierać dokumenty. Hasło nie jest potrzebne: portal otworzysz przyciskiem poniżej.",
    button: "Zobacz swoje zamówienia",
    fallback: "Jeśli przycisk nie działa, skopiuj ten link do przeglądarki:",
    validity:
      "Link pozostaje ważny, dopóki jest używany co najmniej raz na {days} dni. Każdy, kto go ma, widzi Twoje zamówienia, więc udostępniaj go tylko współpracownikom, którzy go potrzebują.",
    contact:
      "Masz pytania lub potrzebujesz nowego linku? Skontaktuj się z {org}: {email}, {phone}.",
    footer:
      "Wysłane przez {org} za pośrednictwem MonoPilot Customer Portal. Jeśli ta wiadomość trafiła do Ciebie przez pomyłkę, możesz ją zignorować.",
  },
});

export interface MagicLinkEmailInput {
  org: Org;
  customer: Customer;
  /** The full magic-link URL (shown to the customer, never logged). */
  url: string;
  /** Who the email greets: the link's recipient, else the customer. */
  name?: string;
  /** How long the link may go unused (90 days, or the shorter time of emailed links). */
  days?: number;
}

export function renderMagicLinkEmail(
  { org, customer, url, name, days = 90 }: MagicLinkEmailInput,
): RenderedEmail & { subject: string } {
  const t = magicLinkMessages.bind(customer.locale);
  const vars = {
    org: org.name,
    name: name ?? customer.name,
    email: org.support_email,
    phone: org.support_phone,
    days,
  };
  const rendered = renderEmail({
    locale: customer.locale,
    brand: org.name,
    title: t("title"),
    paragraphs: [t("greeting", vars), t("intro", vars)],
    button: { label: t("button"), href: url, fallback: t("fallback") },
    footer: [t("validity", vars), t("contact", vars), t("footer", vars)],
  });
  return { ...rendered, subject: t("subject", vars) };
}

/** Resend tag values allow letters, digits, `_` and `-` only. */
const tagValue = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256) || "_";

const MagicLinkData = z.object({
  customer_ref: z.string().min(1).max(100),
  recipient_name: z.string().max(200).optional(),
});

/**
 * The magic-link email as a template: rendered at delivery from the org and customer as
 * they are then, with the link the job's spec gives (lib/access/email_links.ts).
 */
export const magicLinkTemplate: EmailTemplate<z.infer<typeof MagicLinkData>> = {
  name: "magic_link",
  schema: MagicLinkData,
  async render(services, data, { job, url }) {
    const [org, customer] = await Promise.all([
      getOrg(services.kv, job.org),
      getCustomer(services.kv, job.org, data.customer_ref),
    ]);
    if (!org || !customer) throw new PermanentError("The org or customer no longer exists.");
    if (!url) throw new PermanentError("A magic-link email needs a link.");
    return renderMagicLinkEmail({
      org,
      customer,
      url,
      name: data.recipient_name,
      days: services.config.LINK_EMAIL_IDLE_DAYS,
    });
  },
};

/**
 * The queued form of a magic-link email for a link just created (lib/access/tokens.ts): to
 * whom, for which customer, and the link spec with the sealed token. One email per link:
 * the idempotency key names the link id, never the token.
 */
export function magicLinkEmailJob(input: {
  org: Org;
  customer: Customer;
  to: string;
  recipientName?: string;
  link: Omit<EmailLinkSpec, "customer_ref">;
}): TemplatedEmailInput {
  const { org, customer } = input;
  const t = magicLinkMessages.bind(customer.locale);
  return {
    org: org.slug,
    to: [input.to],
    reply_to: org.support_email,
    subject: t("subject", { org: org.name }),
    template: magicLinkTemplate.name,
    data: {
      customer_ref: customer.ref,
      ...(input.recipientName ? { recipient_name: input.recipientName } : {}),
    },
    link: { ...input.link, customer_ref: customer.ref },
    idempotency_key: `magic-link/${encodeURIComponent(org.slug)}/${
      encodeURIComponent(customer.ref)
    }/${input.link.link_id ?? "new"}`,
    tags: { kind: "magic_link", org: tagValue(org.slug) },
  };
}
