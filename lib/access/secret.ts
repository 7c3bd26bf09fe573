/**
 * The shape shared by link tokens (`mpl_…`) and org API keys (`mpk_…`): a prefix, 32 random
 * bytes from Web Crypto in base64url (43 characters), and a 6-character CRC-32 checksum of
 * those 43 characters.
 *
 * The checksum is not a secret (anyone can compute it); it lets a typo, a truncated copy or
 * a scanner's random string be rejected without touching KV. CRC-32 over the characters
 * catches every single-character change and every burst up to 32 bits, which a truncated
 * hash would only catch with high probability. Only the SHA-256 hex of the whole string is
 * ever stored or compared.
 */

const PAYLOAD_BYTES = 32;
/** base64url length of 32 bytes without padding. */
const PAYLOAD_CHARS = 43;
const CHECKSUM_CHARS = 6;
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    // Only called on ASCII (checked first), so one char is one byte.
    crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function checksum(payload: string): string {
  const n = crc32(payload);
  return base64url(new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
}

/** A new secret: `prefix` + 43 random base64url characters + 6 checksum characters. */
export function newSecret(prefix: string): string {
  const payload = base64url(crypto.getRandomValues(new Uint8Array(PAYLOAD_BYTES)));
  return prefix + payload + checksum(payload);
}

/**
 * True when `value` has this prefix, the exact length, only URL-safe characters and a
 * matching checksum. Pure computation: callers reject `false` before any KV read.
 */
export function isWellFormedSecret(prefix: string, value: unknown): value is string {
  if (typeof value !== "string") return false;
  if (value.length !== prefix.length + PAYLOAD_CHARS + CHECKSUM_CHARS) return false;
  if (!value.startsWith(prefix)) return false;
  const body = value.slice(prefix.length);
  if (!URL_SAFE.test(body)) return false;
  const payload = body.slice(0, PAYLOAD_CHARS);
  return body.slice(PAYLOAD_CHARS) === checksum(payload);
}
