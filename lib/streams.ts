/** Byte streams as one buffer (documents join PDFs for the ZIP; tests read bodies). */
export async function readAllBytes(
  stream: AsyncIterable<Uint8Array>,
): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    chunks.push(c);
    size += c.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
