/**
 * Small HTML form posts (the order page's "Shipment emails" form, the staff console): a
 * bounded reader. The cross-site check every form post makes first is `lib/http/origin.ts`.
 */
import { MalformedInputError, TooLargeError, UnsupportedTypeError } from "@/lib/errors.ts";

/** Our forms are a few short fields; anything bigger is not ours. */
export const MAX_FORM_BYTES = 8 * 1024;

const tooLarge = () => new TooLargeError(`Forms are limited to ${MAX_FORM_BYTES} bytes.`);

/**
 * Reads the urlencoded or multipart form body, bounded to MAX_FORM_BYTES, as plain strings.
 * Bad or oversized bodies are 400/413/415, never a 500.
 */
export async function readSmallForm(req: Request): Promise<Record<string, string>> {
  // Lower-cased for the check only: a multipart boundary is case-sensitive.
  const type = req.headers.get("content-type") ?? "";
  const lower = type.toLowerCase();
  const urlencoded = lower.startsWith("application/x-www-form-urlencoded");
  if (!urlencoded && !lower.startsWith("multipart/form-data")) {
    await req.body?.cancel().catch(() => {});
    throw new UnsupportedTypeError("Send the form as a web form.");
  }
  if (Number(req.headers.get("content-length") ?? "0") > MAX_FORM_BYTES) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const bytes = await readBounded(req);
  const out: Record<string, string> = {};
  try {
    const entries = urlencoded
      ? new URLSearchParams(new TextDecoder().decode(bytes))
      : await new Response(bytes, { headers: { "content-type": type } }).formData();
    for (const [k, v] of entries) {
      if (typeof v === "string" && !(k in out)) out[k] = v;
    }
  } catch {
    throw new MalformedInputError("The form could not be read.");
  }
  return out;
}

async function readBounded(req: Request): Promise<Uint8Array<ArrayBuffer>> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_FORM_BYTES) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof TooLargeError) throw err;
    throw new MalformedInputError("The request body could not be read.");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
