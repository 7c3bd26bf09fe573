/**
 * The email layer's public surface. Other domains write their own templates (strings in a
 * `defineMessages` catalogue + `renderEmail`) and queue them with `sendEmail`.
 */
export {
  EMAIL_SEND,
  emailSentMarker,
  prepareEmail,
  queueEmailInAtomic,
  registerEmailHandlers,
  sendEmail,
  sendTemplatedEmail,
  UndeliverableEmailError,
} from "./send.ts";
export type { SendEmailInput } from "./send.ts";
export { escapeHtml, renderEmail } from "./render.ts";
export type { EmailContent, RenderedEmail } from "./render.ts";
export { getOutboxEntry, listOutbox } from "./dev_outbox.ts";
export type { OutboxEntry } from "./dev_outbox.ts";
export { magicLinkTemplate, renderMagicLinkEmail } from "./templates/magic_link.ts";
