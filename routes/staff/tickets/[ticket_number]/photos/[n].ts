/**
 * `GET /staff/tickets/{ticket_number}/photos/{n}` (n from 1): a photo of the ticket for the
 * console's thumbnails, served so that it can only ever be an image or a download:
 * - JPEG and PNG (the types decided from the magic bytes at upload, checked again here
 *   against the first bytes) inline; a PDF, or anything whose bytes disagree, as an
 *   attachment with a generated name;
 * - `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src 'none';
 *   sandbox` (nothing in it can run, even opened on its own), `Cross-Origin-Resource-Policy:
 *   same-origin`, `private, no-store`. SVG is never accepted at upload, so never served.
 */
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { NotFoundError } from "@/lib/errors.ts";
import { getTicketForStaff } from "@/lib/issues/workflow.ts";
import { staffDefine } from "@/lib/state.ts";

const MAGIC: Record<string, number[]> = {
  "image/jpeg": [0xff, 0xd8, 0xff],
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

/** The stream with its first chunk read: whether it starts with `magic`, and all the bytes. */
async function peek(stream: ReadableStream<Uint8Array>, magic: number[] | undefined) {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const ok = !!magic && magic.every((b, i) => head[i] === b);
  const rest = new ReadableStream<Uint8Array>({
    start(c) {
      if (head.byteLength) c.enqueue(head);
      if (first.done) c.close();
    },
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { ok, stream: rest };
}

export const handler = staffDefine.handlers({
  async GET(ctx) {
    const { services, staff } = ctx.state;
    const view = await getTicketForStaff(services.kv, staff.actor, ctx.params.ticket_number);
    if (!view) throw new NotFoundError("No such ticket.");
    const n = /^[1-9][0-9]?$/.test(ctx.params.n) ? Number(ctx.params.n) : 0;
    const photo = view.ticket.photos[n - 1];
    if (!photo) throw new NotFoundError("No such photo.");
    const blob = await blobStoreFor(services).get(photo.blob_id);
    if (!blob) throw new NotFoundError("No such photo.");
    const { ok, stream } = await peek(blob.stream, MAGIC[photo.type]);
    const inline = ok && photo.type !== "application/pdf";
    const filename = `${view.ticket.ticket_number}-${photo.name}`;
    if (ctx.req.method === "HEAD") await stream.cancel();
    return new Response(ctx.req.method === "HEAD" ? null : stream, {
      headers: {
        "content-type": inline ? photo.type : "application/octet-stream",
        "content-length": String(blob.meta.size),
        "content-disposition": `${inline ? "inline" : "attachment"}; filename="${filename}"`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "same-origin",
        "cache-control": "private, no-store",
      },
    });
  },
});
