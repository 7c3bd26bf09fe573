/**
 * The customer's emails from the support workflow: one for each staff reply, one for each
 * time a ticket is resolved. Sent by the `issues.workflow_email` job that the workflow
 * (lib/issues/workflow.ts) enqueues in the change's own atomic operation. The job may run
 * more than once (the queue delivers at least once); `sendEmail` dedups by the idempotency
 * key `ticket:{org}:{ticket}:{reply|resolved}:{event id}`, so each is sent exactly once.
 *
 * They go to the report's contact address, in the language of the report, with the org's
 * support address as Reply-To. They carry no magic link: the contact address was typed into
 * the report form and may not be the customer's registered one, and a link opens every order
 * and invoice of the customer. The email says where in the portal the reply can be read.
 */
import { z } from "zod";
import { renderEmail } from "@/lib/email/render.ts";
import { sendEmail } from "@/lib/email/send.ts";
import { getOrg } from "@/lib/orders/orgs.ts";
import { PermanentError, registerQueueHandler } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { issueMessages, workflowMessages } from "./messages.ts";
import { getTicket } from "./tickets.ts";
import { getReply, WORKFLOW_EMAIL, type WorkflowEmailPayload } from "./workflow.ts";

const PayloadSchema = z.object({
  org: z.string().min(1).max(200),
  ticket_number: z.string().min(1).max(40),
  kind: z.enum(["reply", "resolved"]),
  event_id: z.string().regex(/^[0-9a-z]{1,40}$/),
});

/** The idempotency key of one workflow email (never holds anything secret). */
export const workflowEmailKey = (p: WorkflowEmailPayload) =>
  `ticket:${p.org}:${p.ticket_number}:${p.kind}:${p.event_id}`;

/** Queues the email for one reply or resolve; safe to run any number of times. */
export async function sendWorkflowEmail(
  services: Services,
  payload: WorkflowEmailPayload,
): Promise<void> {
  const { kv } = services;
  const ticket = await getTicket(kv, payload.org, payload.ticket_number);
  if (!ticket) throw new PermanentError(`Ticket ${payload.ticket_number} does not exist.`);
  const org = await getOrg(kv, payload.org);
  if (!org) throw new PermanentError(`Org ${payload.org} does not exist.`);
  const t = workflowMessages.bind(ticket.locale);
  const vars = { ticket: ticket.ticket_number, order: ticket.order_number, org: org.name };
  const footer = [org.name, [org.support_email, org.support_phone].filter(Boolean).join(" · ")];
  const issue = issueMessages.bind(ticket.locale);
  const about = `${issue("email_field_type")}: ${issue(`type_${ticket.issue_type}`)}`;

  let subject: string;
  let paragraphs: string[];
  if (payload.kind === "reply") {
    const reply = await getReply(kv, payload.org, payload.ticket_number, payload.event_id);
    if (!reply) throw new PermanentError(`Reply ${payload.event_id} does not exist.`);
    subject = t("email_reply_subject", vars);
    paragraphs = [
      t("email_reply_intro", vars),
      ...reply.body.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean),
      `— ${reply.author_name}`,
      about,
      t("email_status", { status: t(`status_${reply.status}`) }),
      t("email_reply_how"),
      t("email_portal_hint"),
    ];
  } else {
    subject = t("email_resolved_subject", vars);
    paragraphs = [
      t("email_resolved_intro", vars),
      about,
      t("email_resolved_reopen"),
      t("email_portal_hint"),
    ];
  }
  const rendered = renderEmail({
    locale: ticket.locale,
    brand: org.name,
    title: subject,
    paragraphs,
    footer,
  });
  await sendEmail(services, {
    org: org.slug,
    to: ticket.contact_email,
    replyTo: org.support_email,
    subject,
    ...rendered,
    idempotencyKey: workflowEmailKey(payload),
    tags: { kind: payload.kind === "reply" ? "ticket_reply" : "ticket_resolved" },
  });
}

const workflowEmailJob = (payload: WorkflowEmailPayload, services: Services) =>
  sendWorkflowEmail(services, payload);

/** Registers the workflow email job (before the queue listener starts). */
export function registerWorkflowHandlers(): void {
  registerQueueHandler<WorkflowEmailPayload>(WORKFLOW_EMAIL, workflowEmailJob, {
    schema: PayloadSchema,
  });
}
