/**
 * Turns one Report Issue submission (from the API or the no-JS form page) into a ticket, in
 * steps: the Idempotency-Key and whether it was seen, the customer's photo quota, the form
 * streamed in (photos go into the blob store as they arrive, their type decided by their
 * first bytes, each within what the quota leaves), the text fields validated with zod, the
 * request's fingerprint, and the ticket committed last. A key seen before is answered without
 * storing anything: its photos are only hashed, and the same request gets the first ticket
 * while another one is refused (422 `idempotency_key_reused`). Any failure removes the photos
 * this submission stored, so a refused report leaves nothing behind (a crash leaves unclaimed
 * blobs that the blob sweep removes). Failures are typed errors with the customer's language
 * and per-field messages, for the API's JSON and the form page alike.
 */
import { z } from "zod";
import { createHash } from "node:crypto";
import type { BlobMeta, BlobStore } from "@/lib/blobs/store.ts";
import { BlobGoneError, BlobTooLargeError } from "@/lib/blobs/store.ts";
import {
  ConflictError,
  type Fields,
  IdempotencyKeyReusedError,
  InvalidInputError,
  MalformedInputError,
  QuotaExceededError,
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
import { reportFingerprint } from "./idempotency.ts";
import { issueMessages } from "./messages.ts";
import { OverPhotoQuotaError, readPhotoQuota } from "./photo_quota.ts";
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
import {
  createTicket,
  hasIdempotencyRecord,
  type Ticket,
  ticketForIdempotencyKey,
  type TicketPhoto,
} from "./tickets.ts";

/** Five full photos plus room for the text fields and the multipart framing. */
export const REPORT_LIMITS: MultipartLimits = {
  maxBodyBytes: MAX_FILES * MAX_FILE_BYTES + 64 * 1024,
  maxFileBytes: MAX_FILE_BYTES,
  maxFieldBytes: 8 * 1024,
  maxParts: 16,
  maxHeaderBytes: 4 * 1024,
};

/** What a body may hold besides photo bytes: every part's headers and text at their limits. */
const NON_PHOTO_BYTES = REPORT_LIMITS.maxParts *
  (REPORT_LIMITS.maxFieldBytes + REPORT_LIMITS.maxHeaderBytes);

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
  /** The body's declared length, if it has one: one the photo quota cannot take is not read. */
  contentLength?: number;
  form: FormSource;
  /** Receives the text fields as read, so a form page can show them again after an error. */
  fields?: Map<string, string>;
  /** Called when the answer is known before the body is read (to drop the body). */
  skipForm?: () => Promise<void>;
}

/**
 * Creates the ticket, or finds the one an earlier submission with the same idempotency key
 * and the same request made. The caller has already checked the link and that the order
 * belongs to this customer.
 */
export async function submitReport(
  services: Services,
  blobs: BlobStore,
  s: ReportSubmission,
): Promise<ReportResult> {
  const t = issueMessages.bind(s.locale);
  const { org, customer, tokenHash } = s.access;
  const headerKey = checkIdempotencyKey(s.idempotencyKey);
  const quota = await readPhotoQuota(services, org.slug, customer.ref);
  // A key seen before means a retry (or a misuse): store nothing, only compare.
  let replay = headerKey !== undefined &&
    await hasIdempotencyRecord(services.kv, org.slug, customer.ref, headerKey);
  if (!replay && s.contentLength !== undefined) {
    if (s.contentLength > quota.left.bytes + NON_PHOTO_BYTES) {
      await s.skipForm?.();
      throw quotaError(t, quota.retryAfterSeconds);
    }
  }
  const fields = s.fields ?? new Map<string, string>();
  const photos = new PhotoIntake(blobs, t, quota.left, quota.retryAfterSeconds);
  photos.hashOnly = replay;
  try {
    await readReportForm(s, fields, photos, async (name, value) => {
      // The form's own key: seen before, the photos that follow are only hashed.
      if (name !== "idempotency_key" || headerKey !== undefined) return;
      const key = value.trim();
      if (!IDEMPOTENCY_KEY.test(key)) return;
      replay = await hasIdempotencyRecord(services.kv, org.slug, customer.ref, key);
      photos.hashOnly ||= replay;
    });
    const form = validateFields(s.locale, fields);
    const key = headerKey ?? form.idempotency_key;
    const ticketPhotos = photos.ticketPhotos();
    const idempotency = key === undefined ? undefined : {
      key,
      fingerprint: await reportFingerprint({
        link: tokenHash,
        order_number: s.orderNumber,
        issue_type: form.issue_type,
        description: form.description,
        contact_email: form.contact_email,
        contact_phone: form.contact_phone,
        photos: ticketPhotos.map((p) => p.sha256),
      }),
    };
    if (idempotency && replay) {
      const ticket = await ticketForIdempotencyKey(
        services.kv,
        org.slug,
        customer.ref,
        idempotency,
      );
      if (ticket) {
        await photos.discard();
        return { ticket, created: false };
      }
      // The record expired (or its ticket is gone) since: its photos were not kept.
      if (photos.hashed.length > 0) throw new ConflictError(t("err_retry"));
    }
    const result = await createTicket(services, blobs, {
      org: org.slug,
      customer_ref: customer.ref,
      customer_name: customer.name,
      order_number: s.orderNumber,
      issue_type: form.issue_type,
      description: form.description,
      contact_email: form.contact_email,
      ...(form.contact_phone ? { contact_phone: form.contact_phone } : {}),
      photos: ticketPhotos,
      locale: s.locale,
    }, { idempotency, link: tokenHash });
    // A repeat of an earlier submission: its photos are already with the first ticket.
    if (!result.created) await photos.discard();
    return result;
  } catch (err) {
    await photos.discard();
    throw customerError(t, err);
  }
}

/** Errors of the steps below, in the customer's words. */
function customerError(t: T, err: unknown): unknown {
  if (err instanceof BlobGoneError) {
    return new ConflictError(t("err_photo_gone"), { photos: [t("err_photo_gone")] });
  }
  if (err instanceof OverPhotoQuotaError) return quotaError(t, err.retryAfterSeconds);
  if (err instanceof IdempotencyKeyReusedError) {
    return new IdempotencyKeyReusedError(t("err_key_reused"));
  }
  return err;
}

function quotaError(t: T, retryAfterSeconds: number): QuotaExceededError {
  return new QuotaExceededError(retryAfterSeconds, t("err_photo_quota"), {
    photos: [t("err_photo_quota")],
  });
}

function checkIdempotencyKey(raw: string | undefined): string | undefined {
  const key = raw?.trim() || undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new MalformedInputError("Idempotency-Key must be 1–200 printable ASCII characters.");
  }
  return key;
}

type T = ReturnType<typeof issueMessages.bind>;

/**
 * Photos of one submission: type-checked by their first bytes and stored as they arrive,
 * each within what the customer's quota leaves; with `hashOnly` (a retry of a key seen
 * before) only hashed, never stored.
 */
class PhotoIntake {
  readonly stored: Array<{ meta: BlobMeta; type: TicketPhoto["type"] }> = [];
  readonly hashed: Array<{ meta: BlobMeta; type: TicketPhoto["type"] }> = [];
  hashOnly = false;
  constructor(
    readonly blobs: BlobStore,
    readonly t: T,
    /** What today's quota leaves for this submission. */
    readonly left: { bytes: number; files: number },
    readonly retryAfterSeconds: number,
  ) {}

  async add(part: FilePart) {
    const it = part.chunks[Symbol.asyncIterator]();
    const { head, held } = await firstBytes(it, 8);
    if (head.length === 0) {
      // A file input left empty sends a part with no name and no bytes: not a file.
      if (part.filename === "") return;
      throw photoError(InvalidInputError, this.t("err_file_empty"));
    }
    const all = [...this.stored, ...this.hashed];
    if (all.length >= MAX_FILES) {
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
    if (this.hashOnly) {
      this.hashed.push({ meta: await hashOnly(rest(), type), type });
      return;
    }
    // The quota, before anything of this photo is stored.
    const bytesLeft = this.left.bytes - this.stored.reduce((n, s) => n + s.meta.size, 0);
    if (this.stored.length >= this.left.files || bytesLeft <= 0) {
      throw new OverPhotoQuotaError(this.retryAfterSeconds);
    }
    const maxBytes = Math.min(MAX_FILE_BYTES, bytesLeft);
    try {
      const meta = await this.blobs.put(rest(), { contentType: type, maxBytes });
      this.stored.push({ meta, type });
    } catch (err) {
      // Over what the quota leaves (not over the per-file limit): the quota's answer.
      if (err instanceof BlobTooLargeError && maxBytes < MAX_FILE_BYTES) {
        throw new OverPhotoQuotaError(this.retryAfterSeconds);
      }
      throw err;
    }
  }

  ticketPhotos(): TicketPhoto[] {
    return [...this.stored, ...this.hashed].map((s, i) => ({
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

/** A photo's size and SHA-256 without storing it (the per-file limit still applies). */
async function hashOnly(chunks: AsyncIterable<Uint8Array>, type: string): Promise<BlobMeta> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const c of chunks) {
    size += c.byteLength;
    if (size > MAX_FILE_BYTES) throw new BlobTooLargeError(MAX_FILE_BYTES);
    hash.update(c);
  }
  return { id: "", size, sha256: hash.digest("hex"), contentType: type, created_at: "" };
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
  onField: (name: string, value: string) => Promise<void>,
): Promise<void> {
  const t = photos.t;
  try {
    await s.form({
      async onField(name, value) {
        if (fields.has(name)) return;
        fields.set(name, value);
        await onField(name, value);
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
