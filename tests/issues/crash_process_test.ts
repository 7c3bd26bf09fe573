/**
 * The server process is killed (SIGKILL: no shutdown, no flush) in the middle of a stream of
 * submissions, one of them half-way through uploading a photo. After a restart on the same
 * KV file, every ticket that was acknowledged (201) is whole with identical photo bytes, and
 * nothing half-written is readable; the sweep then removes what the dead requests left.
 */
import { KvBlobStore } from "@/lib/blobs/kv_store.ts";
import assert from "node:assert/strict";
import { sha256Hex } from "@/lib/http/sha256.ts";
import { fileBytes, JPEG_SIG, PNG_SIG, reportPath } from "@/tests/issues/issue_helpers.ts";
import { startServerProcess } from "@/tests/issues/process_helpers.ts";

const asA = { "x-test-customer": "acme/CUST-A" };
const asAdmin = { "x-test-admin-org": "acme" };

function reportForm(i: number): { fd: FormData; photos: Uint8Array[] } {
  const photos = [
    fileBytes(JPEG_SIG, 150_000 + i * 9_973, i * 2 + 1),
    fileBytes(PNG_SIG, 400_000 + i * 7_919, i * 2 + 2),
  ];
  const fd = new FormData();
  fd.append("issue_type", "damaged");
  fd.append("description", `Crash test report number ${i}`);
  fd.append("contact_email", "ops@example.com");
  photos.forEach((p, k) => fd.append("photos", new File([p as BlobPart], `p${k}.bin`)));
  return { fd, photos };
}

Deno.test("SIGKILL mid-stream: acknowledged tickets are whole after restart, no half photo readable", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/portal.kv`;
  let server = await startServerProcess(kvPath);
  const acked = new Map<string, Uint8Array[]>();
  let stop = false;
  let release: () => void = () => {};
  try {
    // A request that uploads 2 MB of a photo and then stalls: it is mid-upload at the kill.
    const boundary = "stall" + crypto.randomUUID();
    const enc = new TextEncoder();
    const stalled = new Promise<void>((r) => release = r);
    let stage = 0;
    const slowBody = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (stage === 0) {
          c.enqueue(enc.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n\r\n`,
          ));
        } else if (stage <= 8) c.enqueue(fileBytes(JPEG_SIG, 256 * 1024, 99 + stage));
        else {
          await stalled;
          c.close();
        }
        stage++;
      },
    });
    const slow = fetch(server.url + reportPath(), {
      method: "POST",
      body: slowBody,
      headers: { ...asA, "content-type": `multipart/form-data; boundary=${boundary}` },
    }).then((r) => r.body?.cancel(), () => {});

    // Four clients submitting reports back to back.
    let next = 0;
    const worker = async () => {
      while (!stop) {
        const i = next++;
        const { fd, photos } = reportForm(i);
        try {
          const res = await fetch(server.url + reportPath(), {
            method: "POST",
            body: fd,
            headers: asA,
          });
          const body = await res.json();
          if (res.status === 201) acked.set(body.ticket_number, photos);
        } catch {
          return; // the server died under this request: it was never acknowledged
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    while (acked.size < 10) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    stop = true;
    await Promise.all(workers);
    release();
    await slow;
    assert(acked.size >= 10);

    // Restart on the same file: every acknowledged ticket is there, whole.
    server = await startServerProcess(kvPath);
    for (const [number, photos] of acked) {
      const res = await fetch(`${server.url}/api/admin/v1/tickets/${number}`, { headers: asAdmin });
      assert.deepEqual(res.status, 200, number);
      const t = await res.json();
      assert.deepEqual(t.photos.length, photos.length, number);
      for (const [k, p] of photos.entries()) {
        const got = new Uint8Array(
          await (await fetch(t.photos[k].url, { headers: asAdmin })).arrayBuffer(),
        );
        assert.deepEqual(got.length, p.length, `${number} photo ${k + 1} size`);
        assert.deepEqual(got, p, `${number} photo ${k + 1} bytes`);
      }
    }
    // Tickets committed but not acknowledged (killed before the response) are whole too.
    const list =
      await (await fetch(`${server.url}/api/admin/v1/tickets?limit=100`, { headers: asAdmin }))
        .json();
    const numbers = list.tickets.map((t: { ticket_number: string }) => t.ticket_number);
    for (const n of acked.keys()) assert(numbers.includes(n), `${n} listed`);
    // Gapless: the committed numbers are exactly 1…N.
    assert.deepEqual(
      [...numbers].sort(),
      Array.from({ length: numbers.length }, (_, i) => `TKT-2026-${String(i + 1).padStart(6, "0")}`)
        .map((s) => s.replace("2026", String(new Date().getUTCFullYear()))).sort(),
    );
    // Every acknowledged ticket gets its two emails, each exactly once, even though the
    // process died between enqueueing and delivering some of them. A message that was in a
    // handler at the kill is redelivered by local KV about 60 s later (measured: 63 s), so
    // this waits up to two minutes; queued messages go at once.
    const expected = [...acked.keys()].flatMap((n) => [
      `ticket:acme:${n}:support`,
      `ticket:acme:${n}:confirmation`,
    ]);
    let sent: string[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      sent = await (await fetch(`${server.url}/__outbox`)).json();
      if (expected.every((k) => sent.includes(k))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (Deno.env.get("ISSUES_DEBUG") && !expected.every((k) => sent.includes(k))) {
      console.error(JSON.stringify(await (await fetch(`${server.url}/__debug`)).json(), null, 1));
      console.error(sent);
    }
    for (const k of expected) {
      assert.deepEqual(sent.filter((s) => s === k).length, 1, `email ${k} sent once`);
    }
    await server.kill();

    // Inspect the file directly: nothing half-written is readable, and the sweep cleans up.
    const kv = await Deno.openKv(kvPath);
    try {
      const store = new KvBlobStore(kv, () => new Date(Date.now() + 48 * 3_600_000));
      let deadUploads = 0;
      for await (const e of kv.list({ prefix: ["blob_upload"] })) {
        deadUploads++;
        assert.deepEqual(
          await store.get(String(e.key[1])),
          null,
          "an unfinished upload is not served",
        );
      }
      // Every manifest that exists is whole: its chunks add up to its size and hash.
      for await (
        const e of kv.list<{ id: string; size: number; sha256: string }>({ prefix: ["blob"] })
      ) {
        const got = await store.get(e.value.id);
        assert(got);
        const bytes = new Uint8Array(await new Response(got.stream).arrayBuffer());
        assert.deepEqual(bytes.length, e.value.size);
        assert.deepEqual(await sha256Hex(bytes), e.value.sha256);
      }
      assert(deadUploads >= 1, "the stalled upload was cut off mid-way");
      await store.sweep(3_600_000);
      for await (const _ of kv.list({ prefix: ["blob_upload"] })) throw new Error("swept");
      const manifests = new Set<string>();
      for await (const e of kv.list({ prefix: ["blob"] })) manifests.add(String(e.key[1]));
      for await (const e of kv.list({ prefix: ["blob_chunk"] })) {
        assert(manifests.has(String(e.key[1])), "no orphan chunk survives the sweep");
      }
      // The acknowledged tickets' photos survive the sweep (they were claimed with the ticket).
      for await (
        const e of kv.list<{ photos: Array<{ blob_id: string }> }>({ prefix: ["tickets", "acme"] })
      ) {
        for (const p of e.value.photos) assert(await store.get(p.blob_id), "claimed photo kept");
      }
    } finally {
      kv.close();
    }
  } finally {
    stop = true;
    release();
    await server.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
