/**
 * Small HTML form posts (the order page's "Shipment emails" form, the staff console): a
 * bounded reader. The cross-site check every form post makes first is `lib/http/origin.ts`.
 */
import { MalformedInputError, TooLargeError, UnsupportedTypeError } from "@/lib/errors.ts";
import { readBodyBytes } from "@/lib/http/body.ts";

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
  const bytes = await readBodyBytes(req, MAX_FORM_BYTES, tooLarge);
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
