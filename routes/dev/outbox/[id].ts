/**
 * One dev-outbox email's HTML part, served as its own document (no iframe) under a CSP that
 * allows no script, no fetch, no form and no remote resource: only the inline styles mail
 * HTML uses. Links still work, so the magic link can be followed from here.
 */
import { getOutboxEntry } from "@/lib/email/dev_outbox.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { define } from "@/lib/state.ts";

export const EMAIL_VIEW_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const handler = define.handlers({
  async GET(ctx) {
    const entry = await getOutboxEntry(ctx.state.services.kv, ctx.params.id);
    if (!entry) throw new NotFoundError("No such email in the dev outbox.");
    return new Response(entry.html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": EMAIL_VIEW_CSP,
      },
    });
  },
});
