/**
 * What an operator may say about a new link (admin API body, CLI flags, the staff console's
 * form): for whom it is and a label. One line each, bounded, no control characters: they are
 * shown in listings and greet the recipient in the email.
 */
import { z } from "zod";

const oneLine = (max: number, what: string) =>
  z.string().trim().min(1, `${what} is empty.`).max(max, `At most ${max} characters.`)
    // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
    .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), "One line of text.");

export const LinkRecipientFields = {
  recipient_name: oneLine(200, "The name").optional(),
  recipient_email: z.string().trim().toLowerCase().max(254, "At most 254 characters.")
    .pipe(z.email("A valid email address.")).optional(),
  label: oneLine(100, "The label").optional(),
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
