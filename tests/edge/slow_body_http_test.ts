/**
 * Issue 10.7 over a real socket: a report whose body arrives one byte at a time and then
 * stalls past REQUEST_BODY_IDLE_SECONDS, and one that keeps dribbling past
 * REQUEST_BODY_TIMEOUT_SECONDS, are both cut with the contract's JSON 408, and nothing of
 * them is kept (no ticket, no photo chunk, no upload record). The limits are set short here
 * (1 s and 3 s); the defaults are 30 s and 600 s.
 */
import assert from "node:assert/strict";
import { listTickets } from "@/lib/issues/tickets.ts";
import { DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { tcpRequest } from "@/tests/helpers/wire.ts";
import { fileBytes, form, GOOD, JPEG_SIG } from "@/tests/issues/issue_helpers.ts";

const ORDER = "ORD-008456";

async function stored(portal: Portal): Promise<number> {
  let n = (await listTickets(portal.services.kv, DEMO_ORG.slug)).tickets.length;
  for (const p of ["blob", "blob_chunk", "blob_upload", "blob_unclaimed"]) {
    for await (const _ of portal.services.kv.list({ prefix: [p] })) n++;
  }
  return n;
}

/** A report with a 200 KB photo, as bytes and the head that announces them. */
async function reportRequest(portal: Portal) {
  const photo = fileBytes(JPEG_SIG, 200_000);
  const req = new Request("http://x/", {
    method: "POST",
    body: form({ ...GOOD, files: [{ name: "crushed.jpg", bytes: photo, type: "image/jpeg" }] }),
  });
  const body = new Uint8Array(await req.arrayBuffer());
  const path = `/api/portal/customer/${portal.token}/orders/${ORDER}/report-issue`;
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Content-Type: ${req.headers.get("content-type")}\r\n` +
    `Content-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n`;
  return { head, body };
}

function answer(text: string): { status: number; json: { error: { code: string } } } {
  const status = Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1]);
  const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
  return { status, json };
}

Deno.test({
  name: "a body sent a byte at a time that then stalls, or never ends, is cut with 408",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const portal = await startPortal({
      listen: true,
      env: { REQUEST_BODY_IDLE_SECONDS: "1", REQUEST_BODY_TIMEOUT_SECONDS: "3" },
    });
    const port = Number(new URL(portal.url).port);
    try {
      // Control: the same request sent at once is a ticket.
      const ok = await reportRequest(portal);
      const sent = await tcpRequest(port, ok.head, [ok.body]);
      assert.equal(answer(sent.text).status, 201, sent.text);
      const before = await stored(portal);

      // 1. The first 40 bytes one at a time, then the photo but its last bytes, then silence.
      const a = await reportRequest(portal);
      const bytes = [...a.body.subarray(0, 40)].map((b) => new Uint8Array([b]));
      const stalled = await tcpRequest(
        port,
        a.head,
        [...bytes, a.body.subarray(40, a.body.byteLength - 10)],
        { gapMs: 10, timeoutMs: 8000 },
      );
      const cut = answer(stalled.text);
      assert.equal(cut.status, 408, stalled.text);
      assert.equal(cut.json.error.code, "request_timeout");
      assert.match(stalled.text, /content-type: application\/json/i);
      assert(stalled.answeredAtMs! < 3000, `cut after the stall (${stalled.answeredAtMs} ms)`);

      // 2. A byte every 300 ms: never idle for 1 s, but past the 3 s total.
      const b = await reportRequest(portal);
      const dribble = [...b.body.subarray(0, 60)].map((x) => new Uint8Array([x]));
      const slow = await tcpRequest(port, b.head, dribble, { gapMs: 300, timeoutMs: 10_000 });
      const late = answer(slow.text);
      assert.equal(late.status, 408, slow.text);
      assert.equal(late.json.error.code, "request_timeout");
      assert(slow.answeredAtMs! >= 2900 && slow.answeredAtMs! < 6000, `${slow.answeredAtMs} ms`);

      // Nothing of either is kept: no ticket, no chunk, no upload record.
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await stored(portal), before);
    } finally {
      await portal.close();
    }
  },
});
