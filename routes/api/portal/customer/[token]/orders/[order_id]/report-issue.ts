/**
 * `POST /api/portal/customer/{token}/orders/{order_id}/report-issue`: the multipart form
 * (issue_type, description, contact_email, contact_phone?, photos 0–5) → 201
 * `{ticket_number}`; a repeated `Idempotency-Key` gets the same ticket (201 again: the client
 * asked for the same ticket and gets the same answer).
 */
import { json } from "@/lib/http/json.ts";
import { submitReportFromRequest } from "@/lib/http/report_form.ts";
import { linkDefine } from "@/lib/state.ts";

export const handler = linkDefine.handlers({
  async POST(ctx) {
    const { ticket } = await submitReportFromRequest(ctx);
    return json({ ticket_number: ticket.ticket_number }, 201, { "cache-control": "no-store" });
  },
});
