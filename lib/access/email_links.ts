/**
 * The portal link of an email being delivered (lib/email/send.ts), from the job's link spec:
 * - a link created with the job (the operator was shown its URL) whose sealed token this
 *   process can open and which is still live: that very link;
 * - otherwise (a status email, a re-sent dead letter, a job delivered after a restart or in
 *   another isolate, a link revoked meanwhile): a new link minted now, with the spec's
 *   reason, creator and recipient, and the shorter idle time of email links.
 * Nothing here is kept: the URL goes into the email and is gone.
 */
import type { EmailLinkSpec } from "@/lib/email/message.ts";
import type { Services } from "@/lib/services.ts";
import { unsealToken } from "./link_seal.ts";
import { createLink, hashLinkToken, linkIdOf, liveLinkRecord } from "./tokens.ts";

export interface EmailLink {
  url: string;
  /** Set when the link was minted for this delivery attempt (so a refusal can discard it). */
  minted?: { link_id: string; tokenHash: string };
}

export async function resolveEmailLink(
  services: Services,
  org: string,
  spec: EmailLinkSpec,
): Promise<EmailLink> {
  const path = spec.path ?? "";
  if (spec.sealed && spec.link_id) {
    const token = await unsealToken(spec.sealed, spec.link_id);
    if (
      token &&
      linkIdOf(await hashLinkToken(token)) === spec.link_id &&
      await liveLinkRecord(services, org, spec.customer_ref, spec.link_id)
    ) {
      return { url: `${services.config.publicBaseUrl}/customer/${token}${path}` };
    }
  }
  const link = await createLink(services, org, spec.customer_ref, {
    source: spec.source,
    createdBy: spec.created_by,
    ...(spec.recipient_name ? { recipientName: spec.recipient_name } : {}),
    ...(spec.recipient_email ? { recipientEmail: spec.recipient_email } : {}),
    ...(spec.label ? { label: spec.label } : {}),
    path,
  });
  return { url: link.url, minted: { link_id: link.link_id, tokenHash: link.tokenHash } };
}
