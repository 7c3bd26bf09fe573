/** POST …/report-issue over real HTTP and KV: every validation bound, scoping, storage. */
import assert from "node:assert/strict";
import {
  asA,
  asAdmin,
  asB,
  fileBytes,
  GOOD,
  JPEG_SIG,
  PDF_SIG,
  PNG_SIG,
  post,
  readBytes,
  reportPath,
  startIssueServer,
} from "@/tests/issues/issue_helpers.ts";
import type { TestServer } from "@/tests/helpers/server.ts";

const MB10 = 10 * 1024 * 1024;

async function countKeys(server: TestServer, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of server.services.kv.list({ prefix: [prefix] })) n++;
  return n;
}

/** Nothing a refused request stored may remain: no blob, no chunk, no upload marker. */
async function assertNoBlobs(server: TestServer) {
  for (const p of ["blob", "blob_chunk", "blob_upload", "blob_unclaimed"]) {
    assert.deepEqual(await countKeys(server, p), 0, `no ${p} left`);
  }
}

function fieldsOf(body: Record<string, unknown>): Record<string, string[]> {
  return ((body.error as { fields?: Record<string, string[]> }).fields) ?? {};
}

Deno.test("description: 9 characters and 1001 are refused, 10 and 1000 accepted (after trimming)", async () => {
  const server = await startIssueServer();
  try {
    const short = await post(server, { ...GOOD, description: "   123456789   " });
    assert.deepEqual(short.status, 422);
    assert.deepEqual((short.body.error as { code: string }).code, "validation_failed");
    assert.deepEqual(fieldsOf(short.body).description, [
      "Describe the issue in at least 10 characters.",
    ]);
    assert.deepEqual((await post(server, { ...GOOD, description: "1234567890" })).status, 201);
    assert.deepEqual((await post(server, { ...GOOD, description: "é".repeat(1000) })).status, 201);
    const long = await post(server, { ...GOOD, description: "x".repeat(1001) });
    assert.deepEqual(long.status, 422);
    assert.deepEqual(fieldsOf(long.body).description, [
      "Keep the description to 1000 characters or fewer.",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("issue type, email and phone are validated with per-field messages, localized", async () => {
  const server = await startIssueServer();
  try {
    const bad = await post(server, {
      issue_type: "broken",
      description: "short",
      contact_email: "not-an-email",
      contact_phone: "call me maybe",
    });
    assert.deepEqual(bad.status, 422);
    assert.deepEqual(Object.keys(fieldsOf(bad.body)).sort(), [
      "contact_email",
      "contact_phone",
      "description",
      "issue_type",
    ]);
    const missing = await post(server, {});
    assert.deepEqual(missing.status, 422);
    assert.deepEqual(Object.keys(fieldsOf(missing.body)).sort(), [
      "contact_email",
      "description",
      "issue_type",
    ]);
    const es = await post(server, { ...GOOD, issue_type: "" }, asA, reportPath("ORD-A1", "es"));
    assert.deepEqual(fieldsOf(es.body).issue_type, ["Elija un tipo de problema."]);
    const pl = await post(
      server,
      { ...GOOD, contact_email: "x@" },
      asA,
      reportPath("ORD-A1", "pl"),
    );
    assert.deepEqual(fieldsOf(pl.body).contact_email, ["Podaj poprawny adres e-mail."]);
    for (const type of ["damaged", "missing", "wrong_items", "delayed", "quality", "other"]) {
      assert.deepEqual(
        (await post(server, { ...GOOD, issue_type: type, contact_phone: "+1 (555) 123-4567" }))
          .status,
        201,
        type,
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("5 files are accepted, a 6th is refused with 422 and nothing is kept", async () => {
  const server = await startIssueServer();
  try {
    const files = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => ({ name: `p${i}.jpg`, bytes: fileBytes(JPEG_SIG, 70_000, i + 1) }),
      );
    const six = await post(server, { ...GOOD, files: files(6) });
    assert.deepEqual(six.status, 422);
    assert.deepEqual(fieldsOf(six.body).photos, ["Attach at most 5 files."]);
    await assertNoBlobs(server);
    const five = await post(server, { ...GOOD, files: files(5) });
    assert.deepEqual(five.status, 201);
    const ticket = await server.fetch(`/api/admin/v1/tickets/${five.body.ticket_number}`, {
      headers: asAdmin,
    });
    assert.deepEqual(((await ticket.json()).photos as unknown[]).length, 5);
  } finally {
    await server.close();
  }
});

Deno.test("a file of exactly 10 MB is accepted; 10 MB + 1 byte is 413 and nothing is kept", async () => {
  const server = await startIssueServer();
  try {
    const over = await post(server, {
      ...GOOD,
      files: [{ name: "big.png", bytes: fileBytes(PNG_SIG, MB10 + 1) }],
    });
    assert.deepEqual(over.status, 413);
    assert.deepEqual((over.body.error as { code: string }).code, "payload_too_large");
    assert.deepEqual(fieldsOf(over.body).photos, ["Each file must be 10 MB or smaller."]);
    await assertNoBlobs(server);
    const bytes = fileBytes(PNG_SIG, MB10, 7);
    const ok = await post(server, { ...GOOD, files: [{ name: "big.png", bytes }] });
    assert.deepEqual(ok.status, 201);
    const photo = await server.fetch(`/api/admin/v1/tickets/${ok.body.ticket_number}/photos/1`, {
      headers: asAdmin,
    });
    assert.deepEqual(photo.status, 200);
    assert.deepEqual(await readBytes(photo), bytes);
  } finally {
    await server.close();
  }
});

Deno.test("types come from magic bytes: a PNG named .jpg is a PNG; text named .png is 415; empty is 422", async () => {
  const server = await startIssueServer();
  try {
    const png = fileBytes(PNG_SIG, 5000, 3);
    const renamed = await post(server, {
      ...GOOD,
      files: [{ name: "holiday.jpg", bytes: png, type: "image/jpeg" }],
    });
    assert.deepEqual(renamed.status, 201);
    const t = await (await server.fetch(`/api/admin/v1/tickets/${renamed.body.ticket_number}`, {
      headers: asAdmin,
    })).json();
    assert.deepEqual(t.photos[0].type, "image/png");
    assert.deepEqual(t.photos[0].name, "photo-1.png");

    const text = new TextEncoder().encode("hello, I am plain text pretending to be a picture");
    const disguised = await post(server, {
      ...GOOD,
      files: [{ name: "photo.png", bytes: text, type: "image/png" }],
    });
    assert.deepEqual(disguised.status, 415);
    assert.deepEqual((disguised.body.error as { code: string }).code, "unsupported_media_type");
    assert.deepEqual(fieldsOf(disguised.body).photos, ["Only JPG, PNG or PDF files are accepted."]);

    const empty = await post(server, {
      ...GOOD,
      files: [{ name: "empty.jpg", bytes: new Uint8Array(0) }],
    });
    assert.deepEqual(empty.status, 422);
    assert.deepEqual(fieldsOf(empty.body).photos, ["This file is empty."]);

    // A photo stored before a later bad file is removed with the refused request.
    const mixed = await post(server, {
      ...GOOD,
      files: [{ name: "a.pdf", bytes: fileBytes(PDF_SIG, 200_000) }, {
        name: "b.png",
        bytes: text,
      }],
    });
    assert.deepEqual(mixed.status, 415);
    const blobsBefore = await countKeys(server, "blob");
    assert.deepEqual(blobsBefore, 1, "only the accepted ticket's photo");

    // What a browser sends for a file input left empty: no name, no bytes. Not a file.
    const fd = new FormData();
    for (const [k, v] of Object.entries(GOOD)) fd.append(k, v as string);
    fd.append("photos", new File([], "", { type: "application/octet-stream" }));
    const none = await server.fetch(reportPath(), { method: "POST", body: fd, headers: asA });
    assert.deepEqual(none.status, 201);
  } finally {
    await server.close();
  }
});

Deno.test("a hostile file name is never used: the photo gets a generated safe name", async () => {
  const server = await startIssueServer();
  try {
    const jpeg = fileBytes(JPEG_SIG, 1234, 9);
    const r = await post(server, {
      ...GOOD,
      files: [{ name: "../../etc/passwd", bytes: jpeg }, {
        name: 'x"; filename="evil.html',
        bytes: fileBytes(PDF_SIG, 99),
      }],
    });
    assert.deepEqual(r.status, 201);
    const t = await (await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}`, {
      headers: asAdmin,
    })).json();
    assert.deepEqual(t.photos.map((p: { name: string }) => p.name), ["photo-1.jpg", "photo-2.pdf"]);
    assert(!JSON.stringify(t).includes("passwd") && !JSON.stringify(t).includes("evil"));
    const photo = await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}/photos/1`, {
      headers: asAdmin,
    });
    assert.deepEqual(
      photo.headers.get("content-disposition"),
      `attachment; filename="${r.body.ticket_number}-photo-1.jpg"`,
    );
    assert.deepEqual(photo.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(photo.headers.get("content-type"), "image/jpeg");
    assert.deepEqual(await readBytes(photo), jpeg);
  } finally {
    await server.close();
  }
});

Deno.test("another customer's order is 404; no link is 401; unknown order is 404", async () => {
  const server = await startIssueServer();
  try {
    const cross = await post(server, GOOD, asB, reportPath("ORD-A1"));
    assert.deepEqual(cross.status, 404);
    assert.deepEqual((cross.body.error as { code: string }).code, "not_found");
    assert.deepEqual((await post(server, GOOD, asA, reportPath("ORD-NOPE"))).status, 404);
    // An absurdly long order number or ticket number is a 404, not a KV key error.
    assert.deepEqual((await post(server, GOOD, asA, reportPath("O".repeat(3000)))).status, 404);
    const longTicket = await server.fetch(`/api/admin/v1/tickets/TKT-2026-${"1".repeat(3000)}`, {
      headers: asAdmin,
    });
    assert.deepEqual(longTicket.status, 404);
    await longTicket.body?.cancel();
    assert.deepEqual((await post(server, GOOD, {}, reportPath("ORD-A1"))).status, 401);
    assert.deepEqual(await countKeys(server, "tickets"), 0);
    assert.deepEqual((await post(server, GOOD, asB, reportPath("ORD-B1"))).status, 201);
  } finally {
    await server.close();
  }
});

Deno.test("the ticket and every photo's bytes read back identical through the admin API", async () => {
  const server = await startIssueServer();
  try {
    const files = [
      { name: "a.jpg", bytes: fileBytes(JPEG_SIG, 3 * 61_440 + 17, 11) },
      { name: "b.png", bytes: fileBytes(PNG_SIG, 8, 12) },
      { name: "c.pdf", bytes: fileBytes(PDF_SIG, 2_000_000, 13) },
    ];
    const r = await post(server, { ...GOOD, contact_phone: "(555) 123-4567", files });
    assert.deepEqual(r.status, 201);
    assert.match(String(r.body.ticket_number), /^TKT-2026-000001$/);
    const res = await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}`, {
      headers: asAdmin,
    });
    const t = await res.json();
    assert.deepEqual(t.org, "acme");
    assert.deepEqual(t.customer_ref, "CUST-A");
    assert.deepEqual(t.order_number, "ORD-A1");
    assert.deepEqual(t.issue_type, "damaged");
    assert.deepEqual(t.description, GOOD.description);
    assert.deepEqual(t.contact_email, GOOD.contact_email);
    assert.deepEqual(t.contact_phone, "(555) 123-4567");
    assert.deepEqual(t.status, "open");
    for (const [i, f] of files.entries()) {
      const photo = await server.fetch(t.photos[i].url, { headers: asAdmin });
      assert.deepEqual(photo.status, 200);
      const got = await readBytes(photo);
      assert.deepEqual(got.length, f.bytes.length);
      assert.deepEqual(got, f.bytes, `photo ${i + 1} identical`);
    }
    assert.deepEqual(
      (await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}/photos/4`, {
        headers: asAdmin,
      })).status,
      404,
    );
    assert.deepEqual(
      (await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}/photos/0`, {
        headers: asAdmin,
      })).status,
      404,
    );
    assert.deepEqual(
      (await server.fetch(`/api/admin/v1/tickets/${r.body.ticket_number}`)).status,
      401,
    );
    assert.deepEqual(
      (await server.fetch(`/api/admin/v1/tickets/TKT-2026-999999`, { headers: asAdmin })).status,
      404,
    );
    // Every blob the ticket uses is claimed: a sweep would keep it.
    assert.deepEqual(await countKeys(server, "blob_unclaimed"), 0);
  } finally {
    await server.close();
  }
});

Deno.test("20 concurrent reports get 20 unique, gapless ticket numbers", async () => {
  const server = await startIssueServer();
  try {
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          post(server, {
            ...GOOD,
            description: `Concurrent report number ${i}`,
            files: i % 4 === 0 ? [{ name: "p.jpg", bytes: fileBytes(JPEG_SIG, 80_000, i) }] : [],
          }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(201));
    const numbers = results.map((r) => String(r.body.ticket_number)).sort();
    assert.deepEqual(
      numbers,
      Array.from({ length: 20 }, (_, i) => `TKT-2026-${String(i + 1).padStart(6, "0")}`),
    );
    const list = await (await server.fetch("/api/admin/v1/tickets?limit=100", { headers: asAdmin }))
      .json();
    assert.deepEqual(list.tickets.length, 20);
    assert.deepEqual(list.tickets[0].ticket_number, "TKT-2026-000020", "newest first");
  } finally {
    await server.close();
  }
});

Deno.test("the same Idempotency-Key twice (even at once) makes one ticket and answers 201 with it both times", async () => {
  const server = await startIssueServer();
  try {
    const headers = { ...asA, "idempotency-key": "double-click-1" };
    const files = [{ name: "p.jpg", bytes: fileBytes(JPEG_SIG, 100_000, 5) }];
    const [a, b] = await Promise.all([
      post(server, { ...GOOD, files }, headers),
      post(server, { ...GOOD, files }, headers),
    ]);
    assert.deepEqual([a.status, b.status], [201, 201]);
    assert.deepEqual(a.body.ticket_number, b.body.ticket_number);
    const c = await post(server, { ...GOOD, files }, headers);
    assert.deepEqual(c.body.ticket_number, a.body.ticket_number);
    assert.deepEqual(await countKeys(server, "tickets"), 1);
    assert.deepEqual(await countKeys(server, "blob"), 1, "the duplicate's photos were dropped");
    // The no-JS form's hidden field works the same way.
    const f1 = await post(server, { ...GOOD, idempotency_key: "form-key-1" });
    const f2 = await post(server, { ...GOOD, idempotency_key: "form-key-1" });
    assert.deepEqual(f1.body.ticket_number, f2.body.ticket_number);
    // Another customer using the same key gets their own ticket.
    const other = await post(
      server,
      GOOD,
      { ...asB, "idempotency-key": "double-click-1" },
      reportPath("ORD-B1"),
    );
    assert.deepEqual(other.status, 201);
    assert(other.body.ticket_number !== a.body.ticket_number);
    assert.deepEqual(await countKeys(server, "tickets"), 3);
  } finally {
    await server.close();
  }
});

Deno.test("malformed bodies are 4xx, never 500", async () => {
  const server = await startIssueServer();
  try {
    const cases: Array<[BodyInit, string, number]> = [
      ["{}", "application/json", 415],
      ["garbage", "multipart/form-data; boundary=abc", 400],
      [
        '--abc\r\nContent-Disposition: form-data; name="x"\r\n\r\nunterminated',
        "multipart/form-data; boundary=abc",
        400,
      ],
      ["--abc\r\nNo-Disposition: 1\r\n\r\nv\r\n--abc--", "multipart/form-data; boundary=abc", 400],
      [
        '--abc\r\nContent-Disposition: form-data; name="description"\r\n\r\n' + "x".repeat(20_000) +
        "\r\n--abc--",
        "multipart/form-data; boundary=abc",
        413,
      ],
      ["", "multipart/form-data", 415],
    ];
    for (const [body, type, status] of cases) {
      const res = await server.fetch(reportPath(), {
        method: "POST",
        body,
        headers: { ...asA, "content-type": type },
      });
      assert.deepEqual(res.status, status, `${type} ${String(body).slice(0, 40)}`);
      const j = await res.json();
      assert(j.error.code && j.error.message);
    }
    const badKey = await server.fetch(reportPath(), {
      method: "POST",
      body: new FormData(),
      headers: { ...asA, "idempotency-key": "x".repeat(300) },
    });
    assert.deepEqual(badKey.status, 400);
    await badKey.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("a declared Content-Length over the cap is refused before reading", async () => {
  const server = await startIssueServer({ listen: true });
  try {
    // A raw HTTP request that declares 200 MB and sends only its headers.
    const port = Number(new URL(server.url).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const head = `POST ${reportPath()} HTTP/1.1\r\nHost: x\r\nx-test-customer: acme/CUST-A\r\n` +
      `Content-Type: multipart/form-data; boundary=abc\r\nContent-Length: 209715200\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    conn.close();
    const text = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    assert.match(text, /HTTP\/1\.1 413/);
    assert.match(text, /payload_too_large/);
  } finally {
    await server.close();
  }
});
