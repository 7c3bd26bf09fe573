import { createHash } from "node:crypto";

/** SHA-256 as lower-case hex, of a string (UTF-8) or bytes. */
export async function sha256Hex(value: string | Uint8Array): Promise<string> {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The same hash, computed synchronously (node:crypto), for hot paths: every document download
 * hashes its ETag, and WebCrypto's async digest costs a thread hop each time.
 */
export function sha256HexSync(value: string | Uint8Array): string {
  return createHash("sha256").update(value).digest("hex");
}
