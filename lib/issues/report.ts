/**
 * Turns one Report Issue submission (multipart, from the API or the no-JS form page) into a
 * ticket: the body is streamed, photos go into the blob store as they arrive, text fields are
 * validated with zod, and the ticket commits last. Any failure removes the photos this request
 * stored, so a refused report leaves nothing behind (a crash leaves unclaimed blobs that the
 * blob sweep removes).
 */
import { z } from "zod";
import type { BlobMeta, BlobStore } from "@/lib/blobs/store.ts";
import { BlobTooLargeError } from "@/lib/blobs/store.ts";
import { HttpError } from "@/lib/http/errors.ts";
import type { Locale } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import type { Access } from "@/lib/state.ts";
import { issueMessages } from "./messages.ts";
import {
  MultipartFormatError,
  MultipartLimitError,
  type MultipartLimits,
  readMultipart,
} from "./multipart.ts";
import {
  DESCRIPTION_MAX,
  DESCRIPTION_MIN,
  EXTENSIONS,
  ISSUE_TYPES,
  MAX_EMAIL,
  MAX_FILE_BYTES,
  MAX_FILES,
  phoneOk,
  sniffType,
} from "./rules.ts";
import { createTicket, type Ticket, ticketForIdempotencyKey, type TicketPhoto } from "./tickets.ts";

/** Five full photos plus room for the text fields and the multipart framing. */
export const REPORT_LIMITS: MultipartLimits = {
  maxBodyBytes: MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
  maxFileBytes: MAX_FILE_BYTES,
  maxFieldBytes: 8 * 1024,
  maxParts: 16,
  maxHeaderBytes: 4 * 1024,
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function reportSchema(locale: Locale) {
  const t = issueMessages.bind(locale);
  const chars = (s: string) => [...s].length;
  return z.object({
    issue_type: z.enum(ISSUE_TYPES, { error: t("err_issue_type") }),
    description: z.string({ error: t("err_description_short") }).trim()
      .refine((s) => chars(s) >= DESCRIPTION_MIN, { message: t("err_description_short") })
      .refine((s) => chars(s) <= DESCRIPTION_MAX, { message: t("err_description_long") }),
    contact_email: z.string({ error: t("err_email") }).trim()
      .max(MAX_EMAIL, { message: t("err_email") })
      .pipe(z.email({ error: t("err_email") })),
    contact_phone: z.string().trim().optional()
      .transform((s) => (s ? s : undefined))
      .refine((s) => s === undefined || phoneOk(s), { message: t("err_phone") }),
    idempotency_key: z.string().trim().optional()
      .transform((s) => (s ? s : undefined))
      .refine((s) => s === undefined || IDEMPOTENCY_KEY.test(s), {
        message: "idempotency_key: 1–200 printable ASCII characters",
      }),
  });
}

export interface ReportResult {
  ticket: Ticket;
  created: boolean;
}

/** Raised for client errors; carries per-field messages for the form page too. */
function fail(
  status: number,
  code: ConstructorParameters<typeof HttpError>[1],
  message: string,
  fields?: Record<string, string[]>,
) {
  return new HttpError(status, code, message, fields);
}

/**
 * Reads the request and creates (or, for a repeated idempotency key, finds) the ticket.
 * The caller has already checked the link and that the order belongs to this customer.
 */
export async function submitReport(
  services: Services,
  blobs: BlobStore,
  access: Access,
  orderNumber: string,
  req: Request,
  locale: Locale,
  /** Receives the text fields as read, so a form page can show them again after an error. */
  fields: Map<string, string> = new Map(),
): Promise<ReportResult> {
  const t = issueMessages.bind(locale);
  const org = access.org.slug;
  const ref = access.customer.ref;

  const headerKey = req.headers.get("idempotency-key")?.trim() || undefined;
  if (headerKey !== undefined && !IDEMPOTENCY_KEY.test(headerKey)) {
    throw fail(400, "bad_request", "Idempotency-Key must be 1–200 printable ASCII characters.");
  }
  if (headerKey) {
    // A retry of a request that already made its ticket: answer without reading the upload.
    const existing = await ticketForIdempotencyKey(services.kv, org, ref, headerKey);
    if (existing) {
      await req.body?.cancel().catch(() => {});
      return { ticket: existing, created: false };
    }
  }

  const stored: Array<{ meta: BlobMeta; type: TicketPhoto["type"] }> = [];
  const discard = async () => {
    await Promise.all(stored.map((s) => blobs.delete(s.meta.id).catch(() => {})));
  };
  try {
    await readMultipart(req, REPORT_LIMITS, {
      onField(name, value) {
        if (!fields.has(name)) fields.set(name, value);
      },
      async onFile(part) {
        if (part.field !== "photos") return; // unknown file fields are skipped, never stored
        const it = part.chunks[Symbol.asyncIterator]();
        // Gather the first bytes to decide the type before anything is stored.
        let head = new Uint8Array(0);
        const held: Uint8Array[] = [];
        while (head.length < 8) {
          const r = await it.next();
          if (r.done) break;
          held.push(r.value);
          const merged = new Uint8Array(head.length + r.value.length);
          merged.set(head);
          merged.set(r.value, head.length);
          head = merged;
        }
        if (head.length === 0) {
          // A file input left empty sends a part with no name and no bytes: not a file.
          if (part.filename === "") return;
          throw fail(422, "validation_failed", t("err_file_empty"), {
            photos: [t("err_file_empty")],
          });
        }
        if (stored.length >= MAX_FILES) {
          throw fail(422, "validation_failed", t("err_too_many_files"), {
            photos: [t("err_too_many_files")],
          });
        }
        const type = sniffType(head);
        if (!type) {
          throw fail(415, "unsupported_media_type", t("err_file_type"), {
            photos: [t("err_file_type")],
          });
        }
        async function* rest() {
          yield* held;
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        }
        const meta = await blobs.put(rest(), { contentType: type, maxBytes: MAX_FILE_BYTES });
        stored.push({ meta, type });
      },
    });
  } catch (err) {
    await discard();
    if (err instanceof HttpError) throw err;
    if (err instanceof MultipartLimitError) {
      if (err.kind === "file") {
        throw fail(413, "payload_too_large", t("err_file_too_large"), {
          photos: [t("err_file_too_large")],
        });
      }
      if (err.kind === "field" && err.field) {
        throw fail(413, "payload_too_large", t("err_body_too_large"), {
          [err.field.slice(0, 50)]: [t("err_body_too_large")],
        });
      }
      throw fail(413, "payload_too_large", t("err_body_too_large"));
    }
    if (err instanceof BlobTooLargeError) {
      throw fail(413, "payload_too_large", t("err_file_too_large"), {
        photos: [t("err_file_too_large")],
      });
    }
    if (err instanceof MultipartFormatError) {
      if (err.notMultipart) throw fail(415, "unsupported_media_type", err.message);
      throw fail(400, "bad_request", t("err_bad_form"));
    }
    throw err;
  }

  try {
    const parsed = reportSchema(locale).safeParse(Object.fromEntries(fields));
    if (!parsed.success) {
      const out: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "_");
        (out[key] ??= []).includes(issue.message) || out[key].push(issue.message);
      }
      throw fail(422, "validation_failed", t("err_summary"), out);
    }
    const form = parsed.data;
    const photos: TicketPhoto[] = stored.map((s, i) => ({
      blob_id: s.meta.id,
      name: `photo-${i + 1}.${EXTENSIONS[s.type]}`,
      type: s.type,
      size: s.meta.size,
      sha256: s.meta.sha256,
    }));
    const result = await createTicket(services, blobs, {
      org,
      customer_ref: ref,
      customer_name: access.customer.name,
      order_number: orderNumber,
      issue_type: form.issue_type,
      description: form.description,
      contact_email: form.contact_email,
      ...(form.contact_phone ? { contact_phone: form.contact_phone } : {}),
      photos,
      locale,
    }, { idempotencyKey: headerKey ?? form.idempotency_key });
    // A repeat of an earlier submission: its photos are already with the first ticket.
    if (!result.created) await discard();
    return result;
  } catch (err) {
    await discard();
    throw err;
  }
}
