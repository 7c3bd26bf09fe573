/**
 * An oversized upload against a real server process: a 200 MB streamed body (no
 * Content-Length, so only the counting reader can stop it) is refused with 413 and the
 * server's memory does not grow by anything like its size.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "@/tests/issues/process_helpers.ts";
import { reportPath } from "@/tests/issues/issue_helpers.ts";

const MB = 1024 * 1024;

Deno.test("a 200 MB streamed upload is refused with 413 without the server buffering it", async () => {
  const dir = await Deno.makeTempDir();
  const server = await startServerProcess(`${dir}/portal.kv`);
  try {
    const rss = async () => (await (await fetch(server.url + "/__memory")).json()).rss as number;
    // Warm up the route so its modules and KV pages are loaded before the baseline.
    // Warm up with a normal 9 MB report, so the baseline already includes what any upload
    // costs (heap, KV page cache); the refused upload must add nothing like its own size.
    const fd = new FormData();
    fd.append("issue_type", "damaged");
    fd.append("description", "A normal report before the bogus one.");
    fd.append("contact_email", "ops@example.com");
    const photo = new Uint8Array(9 * MB).fill(7);
    photo.set([0xff, 0xd8, 0xff, 0xe0]);
    fd.append("photos", new File([photo], "ok.jpg"));
    const warm = await fetch(server.url + reportPath(), {
      method: "POST",
      headers: { "x-test-customer": "acme/CUST-A" },
      body: fd,
    });
    assert.deepEqual(warm.status, 201);
    await warm.body?.cancel();
    const before = await rss();

    const boundary = "----bogus" + crypto.randomUUID();
    const enc = new TextEncoder();
    const head = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="issue_type"\r\n\r\ndamaged\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="huge.jpg"\r\n` +
        `Content-Type: image/jpeg\r\n\r\n`,
    );
    const junk = new Uint8Array(256 * 1024).fill(0x41);
    junk.set([0xff, 0xd8, 0xff, 0xe0]);
    const total = Number(Deno.env.get("ISSUES_TOTAL_MB") ?? 200) * MB;
    let sent = 0;
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (first) {
          first = false;
          c.enqueue(head);
        } else if (sent < total) {
          c.enqueue(junk.slice());
          sent += junk.length;
        } else {
          c.enqueue(enc.encode(`\r\n--${boundary}--\r\n`));
          c.close();
        }
      },
    });
    let status = 0;
    let code = "";
    try {
      const res = await fetch(server.url + reportPath(), {
        method: "POST",
        body,
        headers: {
          "x-test-customer": "acme/CUST-A",
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
      });
      status = res.status;
      code = (await res.json()).error.code;
    } catch (err) {
      // The server may close the connection while the client still sends; that is a refusal
      // too, but the 413 must have been sent: we only accept it if the response was read.
      throw new Error(`expected a 413 response, got ${err}`);
    }
    assert.deepEqual(status, 413);
    assert.deepEqual(code, "payload_too_large");
    const after = await rss();
    const growth = after - before;
    if (Deno.env.get("ISSUES_DEBUG")) console.error({ before, after, growth, sent });
    assert(growth < 100 * MB, `server RSS grew by ${Math.round(growth / MB)} MB`);
    assert(sent < total, `the client was stopped early (sent ${Math.round(sent / MB)} MB)`);
    // Nothing of the refused upload is left in KV.
    const check = await fetch(server.url + "/api/admin/v1/tickets", {
      headers: { "x-test-admin-org": "acme" },
    });
    assert.deepEqual((await check.json()).tickets.length, 1, "only the warm-up ticket");
  } finally {
    await server.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
