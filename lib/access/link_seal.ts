/**
 * Carrying a just-created link to its email without a raw token at rest.
 *
 * When an operator creates a link and asks for it to be emailed, the answer shows the URL and
 * the email must carry the same link; yet the email job is a KV queue message, and KV keeps a
 * copy of every message (`keysIfUndelivered`) that outlives the process. So the job holds
 * the token only sealed: AES-256-GCM under a key that is generated in this process's memory,
 * is not extractable and is never written anywhere. While the process lives, its queue
 * listener opens the seal and mails the link the operator was shown; anything that reads KV
 * (a dump, a backup, KV's own undelivered copy, another process) sees ciphertext it cannot
 * open, and an email delivered after a restart or in another isolate gets a link minted at
 * delivery instead (lib/email/email_links.ts).
 */
import { base64url } from "./secret.ts";

let sealingKey: Promise<CryptoKey> | undefined;

function key(): Promise<CryptoKey> {
  sealingKey ??= crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]) as Promise<CryptoKey>;
  return sealingKey;
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * `iv.ciphertext` (base64url) of `token`, bound to `context` (the link id) so a seal cannot
 * be moved onto another link's email.
 */
export async function sealToken(token: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await key(),
    new TextEncoder().encode(token),
  );
  return `${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
}

/** The token, or null when this process did not seal it (restart, another isolate, tampering). */
export async function unsealToken(sealed: string, context: string): Promise<string | null> {
  const [iv, ct] = sealed.split(".");
  if (!iv || !ct || sealed.length > 500) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(iv), additionalData: new TextEncoder().encode(context) },
      await key(),
      fromBase64url(ct),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/** Forgets the key, as a restart would (tests). */
export function forgetSealingKey(): void {
  sealingKey = undefined;
}
