/**
 * Turns one Report Issue submission (from the API or the no-JS form page) into a ticket, in
 * steps: the Idempotency-Key and its earlier ticket, the form streamed in (photos go into the
 * blob store as they arrive, their type decided by their first bytes), the text fields
 * validated with zod, and the ticket committed last. Any failure removes the photos this
 * submission stored, so a refused report leaves nothing behind (a crash leaves unclaimed
 * blobs that the blob sweep removes). Failures are typed errors with the customer's
 * language and per-field messages, for the API's JSON and the form page alike.
 */
import { z } from "zod";
import type { BlobMeta, BlobStore } from "@/lib/blobs/store.ts";
import { BlobTooLargeError } from "@/lib/blobs/store.ts";
import {
  type Fields,
  InvalidInputError,
  MalformedInputError,
  TooLargeError,
  UnsupportedTypeError,
} from "@/lib/errors.ts";
import {
  type FilePart,
  MultipartFormatError,
  type MultipartHandlers,
  MultipartLimitError,
  type MultipartLimits,
} from "@/lib/http/multipart.ts";
import type { Locale } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import type { Access } from "@/lib/state.ts";
import { issueMessages } from "./messages.ts";
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

/** Streams the submitted form into the handlers (the route passes the multipart reader). */
export type FormSource = (handlers: MultipartHandlers) => Promise<void>;

export interface ReportSubmission {
  access: Access;
  orderNumber: string;
  locale: Locale;
  /** The `Idempotency-Key` header, if any (a form sends `idempotency_key` instead). */
  idempotencyKey?: string;
  form: FormSource;
  /** Receives the text fields as read, so a form page can show them again after an error. */
  fields?: Map<string, string>;
  /** Called before a repeat is answered without reading the form (to drop the body). */
  skipForm?: () => Promise<void>;
}

/**
 * Creates the ticket, or finds the one an earlier submission with the same idempotency key
 * made. The caller has already checked the link and that the order belongs to this customer.
 */
export async function submitReport(
  services: Services,
  blobs: BlobStore,
  s: ReportSubmission,
): Promise<ReportResult> {
  const headerKey = checkIdempotencyKey(s.idempotencyKey);
  if (headerKey) {
    // A retry of a request that already made its ticket: answer without reading the upload.
    const existing = await ticketForIdempotencyKey(
      services.kv,
      s.access.org.slug,
      s.access.customer.ref,
      headerKey,
    );
    if (existing) {
      await s.skipForm?.();
      return { ticket: existing, created: false };
    }
  }
  const fields = s.fields ?? new Map<string, string>();
  const photos = new PhotoIntake(blobs, issueMessages.bind(s.locale));
  try {
    await readReportForm(s, fields, photos);
    const form = validateFields(s.locale, fields);
    const result = await createTicket(services, blobs, {
      org: s.access.org.slug,
      customer_ref: s.access.customer.ref,
      customer_name: s.access.customer.name,
      order_number: s.orderNumber,
      issue_type: form.issue_type,
      description: form.description,
      contact_email: form.contact_email,
      ...(form.contact_phone ? { contact_phone: form.contact_phone } : {}),
      photos: photos.ticketPhotos(),
      locale: s.locale,
    }, { idempotencyKey: headerKey ?? form.idempotency_key });
    // A repeat of an earlier submission: its photos are already with the first ticket.
    if (!result.created) await photos.discard();
    return result;
  } catch (err) {
    await photos.discard();
    throw err;
  }
}

function checkIdempotencyKey(raw: string | undefined): string | undefined {
  const key = raw?.trim() || undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new MalformedInputError("Idempotency-Key must be 1–200 printable ASCII characters.");
  }
  return key;
}

type T = ReturnType<typeof issueMessages.bind>;

/** Photos of one submission: type-checked by their first bytes, stored as they arrive. */
class PhotoIntake {
  readonly stored: Array<{ meta: BlobMeta; type: TicketPhoto["type"] }> = [];
  constructor(readonly blobs: BlobStore, readonly t: T) {}

  async add(part: FilePart) {
    const it = part.chunks[Symbol.asyncIterator]();
    const { head, held } = await firstBytes(it, 8);
    if (head.length === 0) {
      // A file input left empty sends a part with no name and no bytes: not a file.
      if (part.filename === "") return;
      throw photoError(InvalidInputError, this.t("err_file_empty"));
    }
    if (this.stored.length >= MAX_FILES) {
      throw photoError(InvalidInputError, this.t("err_too_many_files"));
    }
    const type = sniffType(head);
    if (!type) throw photoError(UnsupportedTypeError, this.t("err_file_type"));
    async function* rest() {
      yield* held;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    }
    const meta = await this.blobs.put(rest(), { contentType: type, maxBytes: MAX_FILE_BYTES });
    this.stored.push({ meta, type });
  }

  ticketPhotos(): TicketPhoto[] {
    return this.stored.map((s, i) => ({
      blob_id: s.meta.id,
      name: `photo-${i + 1}.${EXTENSIONS[s.type]}`,
      type: s.type,
      size: s.meta.size,
      sha256: s.meta.sha256,
    }));
  }

  async discard() {
    await Promise.all(this.stored.map((s) => this.blobs.delete(s.meta.id).catch(() => {})));
  }
}

/** Gathers at least `n` first bytes (fewer if the file is shorter) and the chunks they came in. */
async function firstBytes(it: AsyncIterator<Uint8Array>, n: number) {
  let head = new Uint8Array(0);
  const held: Uint8Array[] = [];
  while (head.length < n) {
    const r = await it.next();
    if (r.done) break;
    held.push(r.value);
    const merged = new Uint8Array(head.length + r.value.length);
    merged.set(head);
    merged.set(r.value, head.length);
    head = merged;
  }
  return { head, held };
}

function photoError(
  Kind: typeof InvalidInputError | typeof UnsupportedTypeError,
  message: string,
): Error {
  const fields: Fields = { photos: [message] };
  return Kind === InvalidInputError
    ? new InvalidInputError(fields, message)
    : new UnsupportedTypeError(message, fields);
}

/** Reads the form: text fields into `fields`, photos into the intake; errors in the customer's words. */
async function readReportForm(
  s: ReportSubmission,
  fields: Map<string, string>,
  photos: PhotoIntake,
): Promise<void> {
  const t = photos.t;
  try {
    await s.form({
      onField(name, value) {
        if (!fields.has(name)) fields.set(name, value);
      },
      async onFile(part) {
        // Unknown file fields are skipped, never stored.
        if (part.field === "photos") await photos.add(part);
      },
    });
  } catch (err) {
    if (err instanceof MultipartLimitError) {
      if (err.kind === "file") {
        throw new TooLargeError(t("err_file_too_large"), { photos: [t("err_file_too_large")] });
      }
      if (err.kind === "field" && err.field) {
        throw new TooLargeError(t("err_body_too_large"), {
          [err.field.slice(0, 50)]: [t("err_body_too_large")],
        });
      }
      throw new TooLargeError(t("err_body_too_large"));
    }
    if (err instanceof BlobTooLargeError) {
      throw new TooLargeError(t("err_file_too_large"), { photos: [t("err_file_too_large")] });
    }
    if (err instanceof MultipartFormatError) {
      if (err.notMultipart) throw new UnsupportedTypeError(err.message);
      throw new MalformedInputError(t("err_bad_form"));
    }
    throw err;
  }
}

/** The text fields checked against the schema, one message per field problem. */
function validateFields(locale: Locale, fields: Map<string, string>) {
  const parsed = reportSchema(locale).safeParse(Object.fromEntries(fields));
  if (parsed.success) return parsed.data;
  const out: Fields = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "_");
    (out[key] ??= []).includes(issue.message) || out[key].push(issue.message);
  }
  throw new InvalidInputError(out, issueMessages.t(locale, "err_summary"));
}
