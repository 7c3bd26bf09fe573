/** JSON responses and body parsing shared by every API route. */
import { z } from "zod";
import { fieldsFromZod, HttpError } from "./errors.ts";

export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(data), { status, headers: h });
}

const MAX_JSON_BYTES = 256 * 1024;

/** Reads a JSON body (bounded in size) and validates it; bad input is a 400/422, never a 500. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json.");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BYTES) {
    throw new HttpError(
      413,
      "payload_too_large",
      `JSON bodies are limited to ${MAX_JSON_BYTES} bytes.`,
    );
  }
  let text: string;
  try {
    text = await req.text();
  } catch {
    throw new HttpError(400, "bad_request", "The request body could not be read.");
  }
  if (text.length > MAX_JSON_BYTES) {
    throw new HttpError(
      413,
      "payload_too_large",
      `JSON bodies are limited to ${MAX_JSON_BYTES} bytes.`,
    );
  }
  let raw: unknown;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request", "The body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      422,
      "validation_failed",
      "Some fields are invalid.",
      fieldsFromZod(parsed.error.issues),
    );
  }
  return parsed.data;
}

/** Validates a URL's query string; bad values are a 422 with per-field messages. */
export function readQuery<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    throw new HttpError(
      422,
      "validation_failed",
      "Some fields are invalid.",
      fieldsFromZod(parsed.error.issues),
    );
  }
  return parsed.data;
}

/** `?cursor=&limit=` of the admin listings (newest first, cursor-paged). */
export function pageQuery(opts: { max: number; default: number }) {
  return z.object({
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(opts.max).default(opts.default),
  });
}
