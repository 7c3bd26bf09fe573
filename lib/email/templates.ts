/**
 * Email templates rendered at delivery: a domain registers how to turn its data (and the
 * portal link, when the email carries one) into the email, and queues `{template, data}`
 * with `sendTemplatedEmail`. Rendering late means a queued message holds what to render,
 * never a link token, and a dead letter re-sent later is rendered afresh (current names,
 * a new link).
 */
import type { z } from "zod";
import type { Services } from "@/lib/services.ts";
import type { RenderedEmail } from "./render.ts";
import type { TemplatedEmailJob } from "./message.ts";

export interface EmailTemplate<D = unknown> {
  /** `magic_link`, `shipment_status`: letters and `_`. */
  name: string;
  schema: z.ZodType<D>;
  /**
   * The email for this data; `url` is the portal link when the job has a link spec. Throw
   * PermanentError (lib/queue/errors.ts) when the data no longer exists.
   */
  render(
    services: Services,
    data: D,
    ctx: { job: TemplatedEmailJob; url: string | null },
  ): Promise<RenderedEmail & { subject: string }>;
}

const templates = new Map<string, EmailTemplate>();

/** Registers a template (the same one again is a no-op; another under a taken name throws). */
export function registerEmailTemplate<D>(template: EmailTemplate<D>): void {
  const existing = templates.get(template.name);
  if (existing && existing !== template) {
    throw new Error(`A different email template is already registered as "${template.name}".`);
  }
  templates.set(template.name, template as EmailTemplate);
}

export function emailTemplate(name: string): EmailTemplate | undefined {
  return templates.get(name);
}
