/**
 * `GET /api/admin/v1/tickets/{ticket_number}/photos/{n}` (n from 1): the bytes as uploaded,
 * always as a download with a generated name, never rendered inline by the browser.
 */
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { getTicket } from "@/lib/issues/tickets.ts";
import { adminDefine } from "@/lib/state.ts";

export const handler = adminDefine.handlers({
  async GET(ctx) {
    const { services, adminOrg } = ctx.state;
    const ticket = await getTicket(services.kv, adminOrg.slug, ctx.params.ticket_number);
    if (!ticket) throw new NotFoundError("No such ticket.");
    const n = /^[1-9][0-9]?$/.test(ctx.params.n) ? Number(ctx.params.n) : 0;
    const photo = ticket.photos[n - 1];
    if (!photo) throw new NotFoundError("No such photo.");
    const blob = await blobStoreFor(services).get(photo.blob_id);
    if (!blob) throw new NotFoundError("No such photo.");
    const filename = `${ticket.ticket_number}-${photo.name}`;
    return new Response(ctx.req.method === "HEAD" ? null : blob.stream, {
      headers: {
        "content-type": photo.type,
        "content-length": String(blob.meta.size),
        "content-disposition": `attachment; filename="${filename}"`,
        "x-content-type-options": "nosniff",
        "cache-control": "private, no-store",
        "content-security-policy": "default-src 'none'; sandbox",
      },
    });
  },
});
