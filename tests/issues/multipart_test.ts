/** The streaming multipart reader: exact bytes across any chunking, limits while reading. */
import {
  boundaryOf,
  type FilePart,
  MultipartFormatError,
  MultipartLimitError,
  type MultipartLimits,
  readMultipart,
} from "@/lib/http/multipart.ts";
import assert from "node:assert/strict";

const LIMITS: MultipartLimits = {
  maxBodyBytes: 1_000_000,
  maxFileBytes: 100_000,
  maxFieldBytes: 1000,
  maxParts: 10,
  maxHeaderBytes: 1024,
};

async function encode(fd: FormData): Promise<{ bytes: Uint8Array; type: string }> {
  const req = new Request("http://x/", { method: "POST", body: fd });
  return {
    bytes: new Uint8Array(await req.arrayBuffer()),
    type: req.headers.get("content-type")!,
  };
}

/** A request whose body arrives in pieces of the given sizes (cycled). */
function chunked(bytes: Uint8Array, type: string, sizes: number[]): Request {
  let i = 0;
  let k = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i >= bytes.length) return c.close();
      const n = sizes[k++ % sizes.length];
      c.enqueue(bytes.slice(i, i + n));
      i += n;
    },
  });
  return new Request("http://x/", { method: "POST", body, headers: { "content-type": type } });
}

async function parse(req: Request, limits = LIMITS) {
  const fields: Record<string, string> = {};
  const files: Array<{ field: string; filename: string; bytes: Uint8Array }> = [];
  await readMultipart(req, limits, {
    onField(name, value) {
      fields[name] = value;
    },
    async onFile(part: FilePart) {
      const bytes = new Uint8Array(
        await new Response(ReadableStream.from(part.chunks)).arrayBuffer(),
      );
      files.push({ field: part.field, filename: part.filename, bytes });
    },
  });
  return { fields, files };
}

Deno.test("fields and files come out byte-identical however the body is split", async () => {
  const tricky = new TextEncoder().encode("\r\n--\r\n-- almost a boundary \r\n\r\n--");
  const file = new Uint8Array(70_000);
  crypto.getRandomValues(file.subarray(0, 65536));
  crypto.getRandomValues(file.subarray(65536));
  file.set(tricky, 100);
  file.set(tricky, file.length - tricky.length);
  const fd = new FormData();
  fd.append("description", "Zażółć gęślą jaźń ✓ \r\n second line");
  fd.append("photos", new File([file], "../../etc/passwd"));
  fd.append("photos", new File([tricky], "t.bin"));
  fd.append("empty", "");
  const { bytes, type } = await encode(fd);
  for (const sizes of [[bytes.length], [1], [7, 13, 1, 4096], [65536], [3, 100_000]]) {
    const { fields, files } = await parse(chunked(bytes, type, sizes));
    assert.deepEqual(fields, { description: "Zażółć gęślą jaźń ✓ \r\n second line", empty: "" });
    assert.deepEqual(files.length, 2);
    assert.deepEqual(files[0].filename, "../../etc/passwd");
    assert.deepEqual(files[0].bytes, file, `split ${sizes}`);
    assert.deepEqual(files[1].bytes, tricky);
  }
});

Deno.test("a consumer that stops reading a file early still gets the next parts", async () => {
  const fd = new FormData();
  fd.append("photos", new File([new Uint8Array(50_000).fill(1)], "a.bin"));
  fd.append("after", "still here");
  const { bytes, type } = await encode(fd);
  const seen: Record<string, string> = {};
  await readMultipart(chunked(bytes, type, [999]), LIMITS, {
    onField(name, value) {
      seen[name] = value;
    },
    async onFile(part) {
      for await (const _ of part.chunks) break;
    },
  });
  assert.deepEqual(seen, { after: "still here" });
});

async function limitOf(req: Request, limits = LIMITS): Promise<string> {
  try {
    await parse(req, limits);
  } catch (err) {
    if (err instanceof MultipartLimitError) return `${err.kind}:${err.field ?? ""}`;
    if (err instanceof MultipartFormatError) return `format:${err.notMultipart}`;
    throw err;
  }
  return "ok";
}

Deno.test("limits: file at the cap passes, one byte over fails; fields, parts, headers, body", async () => {
  const file = (n: number) => {
    const fd = new FormData();
    fd.append("photos", new File([new Uint8Array(n)], "f.bin"));
    return encode(fd);
  };
  const atCap = await file(LIMITS.maxFileBytes);
  assert.deepEqual(await limitOf(chunked(atCap.bytes, atCap.type, [4096])), "ok");
  const over = await file(LIMITS.maxFileBytes + 1);
  assert.deepEqual(await limitOf(chunked(over.bytes, over.type, [4096])), "file:photos");

  const bigField = new FormData();
  bigField.append("description", "x".repeat(LIMITS.maxFieldBytes + 1));
  const f = await encode(bigField);
  assert.deepEqual(await limitOf(chunked(f.bytes, f.type, [100])), "field:description");

  const many = new FormData();
  for (let i = 0; i <= LIMITS.maxParts; i++) many.append(`f${i}`, "v");
  const m = await encode(many);
  assert.deepEqual(await limitOf(chunked(m.bytes, m.type, [50])), "parts:");

  const b = "zzz";
  const longHeader = new TextEncoder().encode(
    `--${b}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${
      "p".repeat(2000)
    }\r\n\r\nv\r\n--${b}--`,
  );
  assert.deepEqual(
    await limitOf(chunked(longHeader, `multipart/form-data; boundary=${b}`, [64])),
    "header:",
  );

  // The body cap counts what streams in, whatever the parts say.
  const body = await file(90_000);
  assert.deepEqual(
    await limitOf(chunked(body.bytes, body.type, [1000]), { ...LIMITS, maxBodyBytes: 50_000 }),
    "body:",
  );
  // And a declared Content-Length over the cap is refused before reading anything.
  let pulled = 0;
  const never = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(10));
    },
  });
  const declared = new Request("http://x/", {
    method: "POST",
    body: never,
    headers: { "content-type": "multipart/form-data; boundary=a", "content-length": "2000000" },
  });
  assert.deepEqual(await limitOf(declared), "body:");
  assert(pulled <= 1, "nothing was read");
});

Deno.test("boundaries: parsed from the content type; non-multipart is reported as such", () => {
  assert.deepEqual(boundaryOf("multipart/form-data; boundary=abc"), "abc");
  assert.deepEqual(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"'), "a b");
  assert.deepEqual(boundaryOf("multipart/form-data"), null);
  assert.deepEqual(boundaryOf("application/json"), null);
  assert.deepEqual(boundaryOf(null), null);
});
