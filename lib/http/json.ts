/** JSON in and out for API routes: responses, bounded bodies, queries and path parameters. */
import { z } from "zod";
import {
  InvalidInputError,
  MalformedInputError,
  parseInput,
  TooLargeError,
  UnsupportedTypeError,
} from "@/lib/errors.ts";
import { readBodyBytes } from "@/lib/http/body.ts";

const encoder = new TextEncoder();

export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  // A known length lets the compression middleware leave small answers alone.
  const body = encoder.encode(JSON.stringify(data));
  h.set("content-length", String(body.byteLength));
  return new Response(body, { status, headers: h });
}

/** `JSON.parse` that answers undefined instead of throwing (carrier and mail API bodies). */
export function parseJsonSafe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const MAX_JSON_BYTES = 256 * 1024;
const tooLarge = () => new TooLargeError(`JSON bodies are limited to ${MAX_JSON_BYTES} bytes.`);

/** Reads a JSON body (bounded in size) and validates it; bad input is a 400/422, never a 500. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) {
    throw new UnsupportedTypeError("Send the body as application/json.");
  }
  if (Number(req.headers.get("content-length") ?? "0") > MAX_JSON_BYTES) throw tooLarge();
  const text = new TextDecoder().decode(await readBodyBytes(req, MAX_JSON_BYTES, tooLarge));
  let raw: unknown;
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new MalformedInputError("The body is not valid JSON.");
  }
  return parseInput(schema, raw);
}

/** Validates a URL's query string; bad values are a 422 with per-field messages. */
export function readQuery<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
  return parseInput(schema, Object.fromEntries(url.searchParams));
}

/** `?cursor=&limit=` of the admin listings (newest first, cursor-paged). */
export function pageQuery(opts: { max: number; default: number }) {
  return z.object({
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(opts.max).default(opts.default),
  });
}

/** Validates one path parameter; a bad one is a 422 naming it. */
export function pathParam<T extends z.ZodType>(
  params: Record<string, string>,
  name: string,
  schema: T,
): z.infer<T> {
  const parsed = schema.safeParse(params[name]);
  if (!parsed.success) {
    throw new InvalidInputError({ [name]: parsed.error.issues.map((i) => i.message) });
  }
  return parsed.data;
}
