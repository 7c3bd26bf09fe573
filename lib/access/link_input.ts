/**
 * What an operator may say about a new link (admin API body, CLI flags, the staff console's
 * form): for whom it is and a label. One line each, bounded, no control characters: they are
 * shown in listings and greet the recipient in the email.
 */
import { z } from "zod";
import { EmailAddress, oneLine } from "@/lib/orders/input.ts";

/** The operator-input rules every entry shares (lib/orders/input.ts, lib/text.ts). */
export const LinkRecipientFields = {
  recipient_name: oneLine(200).optional(),
  recipient_email: EmailAddress.transform((s) => s.toLowerCase()).optional(),
  label: oneLine(100).optional(),
};

/** `POST /api/admin/v1/customers/{ref}/links`: the old `{send_email?}` and the new fields. */
export const LinkRequest = z.strictObject({
  send_email: z.boolean().optional(),
  ...LinkRecipientFields,
});
export type LinkRequest = z.infer<typeof LinkRequest>;

/** True when the body uses the per-recipient form (answered with `link_id`). */
export function isRecipientRequest(body: LinkRequest): boolean {
  return body.recipient_name !== undefined || body.recipient_email !== undefined ||
    body.label !== undefined;
}
