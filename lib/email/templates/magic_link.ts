/**
 * The magic-link email (issue 3): the customer's personal portal link, in the customer's
 * language, with the 90-day rule and the org's contact details.
 */
import { defineMessages } from "@/lib/i18n/messages.ts";
import type { Customer, Org } from "@/lib/orders/model.ts";
import type { EnqueueResult } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { type RenderedEmail, renderEmail } from "@/lib/email/render.ts";
import { sendEmail, type SendEmailInput } from "@/lib/email/send.ts";

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
      "The link stays valid as long as it is used at least once every 90 days. Anyone who has it can see your orders, so share it only with colleagues who need it.",
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
      "El enlace sigue siendo válido mientras se use al menos una vez cada 90 días. Cualquier persona que lo tenga puede ver sus pedidos, así que compártalo solo con los compañeros que lo necesiten.",
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
      "Link pozostaje ważny, dopóki jest używany co najmniej raz na 90 dni. Każdy, kto go ma, widzi Twoje zamówienia, więc udostępniaj go tylko współpracownikom, którzy go potrzebują.",
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
}

export function renderMagicLinkEmail(
  { org, customer, url }: MagicLinkEmailInput,
): RenderedEmail & { subject: string } {
  const t = magicLinkMessages.bind(customer.locale);
  const vars = {
    org: org.name,
    name: customer.name,
    email: org.support_email,
    phone: org.support_phone,
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

/**
 * The magic-link email to the customer's address, ready for `sendEmail` or `prepareEmail`.
 * Its idempotency key is derived from a hash of the URL (never the token itself), so sending
 * the same link twice sends one email, and a new link sends a new one.
 */
export async function magicLinkEmail(input: MagicLinkEmailInput): Promise<SendEmailInput> {
  const { org, customer, url } = input;
  const { html, text, subject } = renderMagicLinkEmail(input);
  const urlHash = (await sha256Hex(`magic-link-email:${url}`)).slice(0, 32);
  return {
    org: org.slug,
    to: customer.email,
    replyTo: org.support_email,
    subject,
    html,
    text,
    idempotencyKey: `magic-link/${encodeURIComponent(org.slug)}/${
      encodeURIComponent(customer.ref)
    }/${urlHash}`,
    tags: { kind: "magic_link", org: tagValue(org.slug) },
  };
}

/**
 * Queues the magic-link email, once per link (see `magicLinkEmail`). A new link's email is
 * queued in the link's own atomic operation instead (lib/access/tokens.ts).
 *
 * @example
 * await sendMagicLinkEmail(services, { org, customer, url: link.url });
 */
export async function sendMagicLinkEmail(
  services: Services,
  input: MagicLinkEmailInput,
): Promise<EnqueueResult> {
  return sendEmail(services, await magicLinkEmail(input));
}
