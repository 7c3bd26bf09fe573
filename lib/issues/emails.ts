/**
 * The two emails of a ticket: to the org's support address (details and staff links) and a
 * confirmation to the contact email in the customer's language. The confirmation goes to an
 * address the form was given, from the manufacturer's sender, so it is fixed text: the ticket
 * and order numbers and what happens next, never the description or anything else the
 * client typed; and it is not sent past its daily bounds (lib/issues/confirmation_limits.ts,
 * decided when the ticket committed: `confirmation: false`). Sent by the
 * `issues.ticket_emails` queue job that `createTicket` enqueues in the ticket's own atomic
 * op, so a committed ticket always gets its emails. The job may run more than once (the
 * queue delivers at least once); `sendEmail` dedups by idempotency key, so each email is
 * sent once. Keys carry the org because ticket numbers are per org.
 */
import { sweepBlobs } from "@/lib/blobs/mod.ts";
import { renderEmail } from "@/lib/email/render.ts";
import { log } from "@/lib/log.ts";
import { sendEmail } from "@/lib/email/send.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { PermanentError, registerQueueHandler } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { issueMessages } from "./messages.ts";
import { getTicket, TICKET_EMAILS, type TicketEmailsPayload } from "./tickets.ts";
import { z } from "zod";
import { registerWorkflowHandlers } from "./workflow_emails.ts";

const PayloadSchema = z.object({
  org: z.string().min(1).max(200),
  ticket_number: z.string().min(1).max(40),
  confirmation: z.boolean().optional(),
});

export const supportEmailKey = (org: string, ticket: string) => `ticket:${org}:${ticket}:support`;
export const confirmationEmailKey = (org: string, ticket: string) =>
  `ticket:${org}:${ticket}:confirmation`;

/** Sends (queues) both emails for one ticket; safe to run any number of times. */
export async function sendTicketEmails(
  services: Services,
  payload: TicketEmailsPayload,
): Promise<void> {
  const ticket = await getTicket(services.kv, payload.org, payload.ticket_number);
  if (!ticket) throw new PermanentError(`Ticket ${payload.ticket_number} does not exist.`);
  const org = await getOrg(services.kv, payload.org);
  if (!org) throw new PermanentError(`Org ${payload.org} does not exist.`);
  const base = services.config.publicBaseUrl;
  const adminUrl = `${base}/api/admin/v1/tickets/${ticket.ticket_number}`;
  const vars = {
    ticket: ticket.ticket_number,
    order: ticket.order_number,
    customer: `${ticket.customer_name} (${ticket.customer_ref})`,
  };

  // Staff read English: the org has no language of its own.
  const s = issueMessages.bind("en");
  const type = s(`type_${ticket.issue_type}`);
  const contact = [ticket.contact_email, ticket.contact_phone].filter(Boolean).join(", ");
  const photoLines = ticket.photos.length
    ? ticket.photos.map((p, i) =>
      `${p.name} (${p.type}, ${p.size} bytes): ${adminUrl}/photos/${i + 1}`
    )
    : [s("email_no_photos")];
  const support = renderEmail({
    locale: "en",
    brand: org.name,
    title: s("email_support_subject", { ...vars, type }),
    paragraphs: [
      s("email_support_intro", vars),
      `${s("email_field_ticket")}: ${ticket.ticket_number}`,
      `${s("email_field_type")}: ${type}`,
      `${s("email_field_description")}: ${ticket.description}`,
      `${s("email_field_contact")}: ${contact}`,
      `${s("email_field_photos")}:`,
      ...photoLines,
    ],
    button: { label: ticket.ticket_number, href: adminUrl },
    footer: "MonoPilot Customer Portal · admin API (Authorization: Bearer <org API key>)",
  });
  await sendEmail(services, {
    org: org.slug,
    to: org.support_email,
    replyTo: ticket.contact_email,
    subject: s("email_support_subject", { ...vars, type }),
    ...support,
    idempotencyKey: supportEmailKey(org.slug, ticket.ticket_number),
    tags: { kind: "ticket_support" },
  });

  if (payload.confirmation === false) {
    log.info("report confirmation not sent: daily bound reached", {
      org: org.slug,
      ticket: ticket.ticket_number,
    });
    return;
  }
  const c = issueMessages.bind(ticket.locale);
  const confirmation = renderEmail({
    locale: ticket.locale,
    brand: org.name,
    title: c("email_confirm_subject", vars),
    paragraphs: [c("email_confirm_intro", vars), c("email_confirm_next")],
    footer: [
      org.name,
      [org.support_email, org.support_phone].filter(Boolean).join(" · "),
      c("email_confirm_why"),
    ],
  });
  await sendEmail(services, {
    org: org.slug,
    to: ticket.contact_email,
    replyTo: org.support_email,
    subject: c("email_confirm_subject", vars),
    ...confirmation,
    idempotencyKey: confirmationEmailKey(org.slug, ticket.ticket_number),
    tags: { kind: "ticket_confirmation" },
  });
}

const ticketEmailsJob = (payload: TicketEmailsPayload, services: Services) =>
  sendTicketEmails(services, payload);

/** Registers the ticket email jobs (before the queue listener starts). */
export function registerIssueHandlers(): void {
  registerQueueHandler<TicketEmailsPayload>(TICKET_EMAILS, ticketEmailsJob, {
    schema: PayloadSchema,
  });
  // Replies and resolves (lib/issues/workflow_emails.ts).
  registerWorkflowHandlers();
}

let cronStarted = false;

/**
 * Everything the Report Issue feature runs in the background: the ticket email job and,
 * with `cron`, an hourly sweep of photo uploads that crashed requests left unfinished or
 * unclaimed (lib/blobs/kv_store.ts). Call from `startBackgroundWork`.
 */
export function registerIssueJobs(services: Services, opts: { cron?: boolean } = {}): void {
  registerIssueHandlers();
  if (opts.cron && !cronStarted) {
    cronStarted = true;
    Deno.cron("issues-sweep-unfinished-photo-uploads", "23 * * * *", async () => {
      const { removed } = await sweepBlobs(services);
      if (removed) log.info("swept unfinished photo uploads", { removed });
    });
  }
}
