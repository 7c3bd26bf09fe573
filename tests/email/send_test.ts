/**
 * The mail sender end to end: `sendEmail` → KV queue → production ResendMailer → a local
 * server speaking Resend's wire format (tests/fakes/resend_server.ts), and the dev outbox.
 */
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import type { Email } from "@/lib/email/message.ts";
import { retryAfterMs } from "@/lib/http/retry_after.ts";
import {
  EMAIL_SEND,
  emailSentMarker,
  registerEmailHandlers,
  sendEmail,
  type SendEmailInput,
} from "@/lib/email/send.ts";
import { setLogSink } from "@/lib/log.ts";
import { handleQueueMessage, listDeadLetters, startQueueListener } from "@/lib/queue/queue.ts";
import { makeTestServices, observeRetries, waitForQueueIdle } from "@/tests/helpers/services.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { FakeResend } from "@/tests/fakes/resend_server.ts";

const logs: string[] = [];
setLogSink((line) => logs.push(line));

async function withMail(
  env: Record<string, string>,
  fn: (services: Services) => Promise<void>,
) {
  const services = await makeTestServices({ env });
  registerEmailHandlers();
  const listener = startQueueListener(services, {
    retry: { retryDelaysMs: [1, 1, 1, 1], jitter: 0 },
  });
  try {
    await fn(services);
  } finally {
    observeRetries(undefined);
    services.close();
    await listener;
  }
}

async function withResend(fn: (services: Services, fake: FakeResend) => Promise<void>) {
  const fake = new FakeResend("re_test_key");
  try {
    await withMail(
      { RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: fake.url },
      (services) => fn(services, fake),
    );
  } finally {
    await fake.close();
  }
}

const email = (key: string, extra: Partial<SendEmailInput> = {}): SendEmailInput => ({
  org: "acme",
  to: "ops@retailstore.example",
  subject: "Your order portal link from ACME Manufacturing",
  html: "<p>Hello</p>",
  text: "Hello",
  idempotencyKey: key,
  tags: { kind: "test" },
  ...extra,
});

Deno.test("500, then 429 with Retry-After, then 200: one email, same Idempotency-Key each time", async () => {
  await withResend(async (services, fake) => {
    const delays: number[] = [];
    observeRetries((e) => delays.push(e.delayMs));
    fake.script([{ status: 500 }, { status: 429, retryAfter: "1" }]);
    await sendEmail(services, email("magic-link/acme/CUST-1/abc"));
    await waitForQueueIdle();

    assert.deepEqual(fake.requests.map((r) => r.status), [500, 429, 200]);
    assert.deepEqual(
      fake.requests.map((r) => r.idempotencyKey),
      Array(3).fill("magic-link/acme/CUST-1/abc"),
    );
    assert.deepEqual(fake.requests.every((r) => r.authorization === "Bearer re_test_key"), true);
    assert.deepEqual(delays, [1, 1000], "the 429's Retry-After: 1 was honoured");
    assert.deepEqual(fake.emails.length, 1);
    const sent = fake.emails[0];
    assert.deepEqual(sent.to, ["ops@retailstore.example"]);
    assert.deepEqual(sent.from, services.config.MAIL_FROM);
    assert.deepEqual(sent.subject, "Your order portal link from ACME Manufacturing");
    assert.deepEqual([sent.html, sent.text], ["<p>Hello</p>", "Hello"]);
    assert.deepEqual(sent.tags, [{ name: "kind", value: "test" }]);
    const marker = await emailSentMarker(services.kv, "magic-link/acme/CUST-1/abc");
    assert.deepEqual([marker?.adapter, marker?.provider_id], ["resend", sent.id]);
    assert.deepEqual((await listDeadLetters(services.kv)).dead_letters.length, 0);
  });
});

Deno.test("accepted but the answer was lost: the retry with the same key sends nothing more", async () => {
  await withResend(async (services, fake) => {
    fake.script([{ kind: "accept_then_fail" }]);
    await sendEmail(services, email("status/acme/1Z/delivered"));
    await waitForQueueIdle();
    assert.deepEqual(fake.requests.map((r) => r.status), [500, 200]);
    assert.deepEqual(fake.emails.length, 1, "Resend dedups by Idempotency-Key");
    assert.deepEqual(
      (await emailSentMarker(services.kv, "status/acme/1Z/delivered"))?.provider_id,
      fake.emails[0].id,
    );
  });
});

Deno.test("a permanent rejection (422) lands in the dead letters, without the body", async () => {
  await withResend(async (services, fake) => {
    fake.script([{ status: 422, name: "validation_error", message: "Invalid `to` field." }]);
    await sendEmail(services, email("bad/1", { html: "<p>https://portal/customer/SECRET</p>" }));
    await waitForQueueIdle();
    assert.deepEqual(fake.requests.length, 1, "no retry of a permanent failure");
    assert.deepEqual(fake.emails.length, 0);
    const { dead_letters } = await listDeadLetters(services.kv, { org: "acme" });
    assert.deepEqual(dead_letters.length, 1);
    const d = dead_letters[0];
    assert.deepEqual([d.type, d.org, d.attempt], [EMAIL_SEND, "acme", 1]);
    assert.match(d.error, /Resend 422 validation_error: Invalid `to` field/);
    assert.deepEqual((d.payload as { subject: string }).subject, email("x").subject);
    assert.deepEqual(JSON.stringify(d).includes("SECRET"), false, "bodies are not kept");
    assert.deepEqual(await emailSentMarker(services.kv, "bad/1"), null);
  });
});

Deno.test("a wrong API key (403) is permanent; exhausted retries (5xx) end as a dead letter", async () => {
  const fake = new FakeResend("re_other_key");
  try {
    await withMail({ RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: fake.url }, async (s) => {
      await sendEmail(s, email("auth/1"));
      await waitForQueueIdle();
      assert.deepEqual(fake.requests.map((r) => r.status), [403]);
      const [d] = (await listDeadLetters(s.kv)).dead_letters;
      assert.match(d.error, /Resend 403 invalid_api_key/);
      assert.deepEqual(d.error.includes("re_test_key"), false, "the key is never in an error");
    });
  } finally {
    await fake.close();
  }
  await withResend(async (services, fake) => {
    fake.script(Array(5).fill({ status: 503 }));
    await sendEmail(services, email("outage/1"));
    await waitForQueueIdle();
    assert.deepEqual(fake.requests.length, 5, "one first attempt and four retries");
    assert.deepEqual(fake.emails.length, 0);
    const [d] = (await listDeadLetters(services.kv)).dead_letters;
    assert.deepEqual(d.attempt, 5);
    assert.match(d.error, /Resend 503/);
  });
});

Deno.test("an unreachable mail service is retried, then dead-lettered", async () => {
  // A port nothing listens on: bind one, note it, close it.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await withMail(
    { RESEND_API_KEY: "re_k", RESEND_BASE_URL: `http://127.0.0.1:${port}` },
    async (services) => {
      await sendEmail(services, email("unreachable/1"));
      await waitForQueueIdle();
      const [d] = (await listDeadLetters(services.kv)).dead_letters;
      assert.deepEqual(d.attempt, 5);
      assert.match(d.error, /Resend unreachable/);
    },
  );
});

Deno.test("redelivery of an already-sent message sends nothing", async () => {
  await withResend(async (services, fake) => {
    const { id } = await sendEmail(services, email("redeliver/1"));
    await waitForQueueIdle();
    assert.deepEqual(fake.requests.length, 1);
    const payload: Email = {
      org: "acme",
      to: ["ops@retailstore.example"],
      subject: "Your order portal link from ACME Manufacturing",
      html: "<p>Hello</p>",
      text: "Hello",
      idempotency_key: "redeliver/1",
      tags: [{ name: "kind", value: "test" }],
    };
    // KV delivers the same message again (e.g. the ack was lost).
    await handleQueueMessage(services, { type: EMAIL_SEND, id, payload, attempt: 1 });
    await handleQueueMessage(services, { type: EMAIL_SEND, id, payload, attempt: 2 });
    assert.deepEqual(fake.requests.length, 1, "no request at all");
    assert.deepEqual(fake.emails.length, 1);
    assert(logs.some((l) => l.includes("redelivery skipped")));
  });
});

Deno.test("sendEmail with the same idempotency key twice sends one email", async () => {
  await withResend(async (services, fake) => {
    const a = await sendEmail(services, email("twice/1"));
    const b = await sendEmail(services, email("twice/1", { subject: "Changed" }));
    await sendEmail(services, email("twice/2"));
    await waitForQueueIdle();
    assert.deepEqual([a.enqueued, b.enqueued], [true, false]);
    assert.deepEqual(fake.emails.map((e) => e.idempotencyKey).sort(), ["twice/1", "twice/2"]);
  });
});

Deno.test("many emails through a flaky service: each arrives exactly once", async () => {
  await withResend(async (services, fake) => {
    fake.script([
      { status: 500 },
      { kind: "accept_then_fail" },
      { status: 429 },
      { status: 502 },
      { kind: "accept_then_fail" },
      { status: 500 },
    ]);
    const keys = Array.from({ length: 12 }, (_, i) => `bulk/${i}`);
    await Promise.all(keys.map((k) => sendEmail(services, email(k))));
    await waitForQueueIdle();
    assert.deepEqual(fake.emails.map((e) => e.idempotencyKey).sort(), [...keys].sort());
    assert.deepEqual((await listDeadLetters(services.kv)).dead_letters.length, 0);
  });
});

Deno.test("without RESEND_API_KEY emails go to the dev outbox, once per key", async () => {
  await withMail({}, async (services) => {
    await sendEmail(services, email("outbox/1", { subject: "First" }));
    await waitForQueueIdle(); // the outbox orders by delivery, so deliver one at a time
    await sendEmail(services, email("outbox/2", { subject: "Second", to: ["a@x.example"] }));
    await waitForQueueIdle();
    const { entries } = await listOutbox(services.kv);
    assert.deepEqual(entries.map((e) => e.subject), ["Second", "First"], "newest first");
    assert.deepEqual(entries[1].to, ["ops@retailstore.example"]);
    assert.deepEqual(entries[1].from, services.config.MAIL_FROM);
    assert.deepEqual(entries[1].html, "<p>Hello</p>");

    // Even with the sent marker gone, a redelivery does not add a second entry.
    await services.kv.delete(["email_sent", "outbox/1"]);
    const payload: Email = {
      org: "acme",
      to: ["ops@retailstore.example"],
      subject: "First",
      html: "<p>Hello</p>",
      text: "Hello",
      idempotency_key: "outbox/1",
    };
    await handleQueueMessage(services, { type: EMAIL_SEND, id: "again", payload, attempt: 1 });
    assert.deepEqual((await listOutbox(services.kv)).entries.length, 2);
  });
});

Deno.test("invalid emails are refused before anything is queued", async () => {
  await withMail({}, async (services) => {
    for (
      const bad of [
        email("k", { to: "not an email" }),
        email("k", { subject: "\r\n\t" }),
        email(""),
        email("k".repeat(257)),
        email("k", { tags: { "bad tag": "x" } }),
      ]
    ) {
      let threw = false;
      try {
        await sendEmail(services, bad);
      } catch {
        threw = true;
      }
      assert(threw, `refused: ${JSON.stringify(bad).slice(0, 80)}`);
    }
    assert.deepEqual((await listOutbox(services.kv)).entries.length, 0);
  });
});

Deno.test("a subject is always one line: line breaks and controls are folded, a long one is cut", async () => {
  await withMail({}, async (services) => {
    await sendEmail(
      services,
      email("a", { subject: "Order\r\nBcc: x@evil.example\u2028\u202e ok" }),
    );
    await sendEmail(services, email("b", { subject: "é".repeat(400) }));
    await waitForQueueIdle();
    const byKey = new Map(
      (await listOutbox(services.kv)).entries.map((e) => [e.idempotency_key, e]),
    );
    assert.deepEqual(byKey.get("a")?.subject, "Order Bcc: x@evil.example ok");
    const long = byKey.get("b")!.subject;
    assert.deepEqual([...long].length, 300);
    assert.ok(long.endsWith("…"));
  });
});

Deno.test("Retry-After: seconds or an HTTP date", () => {
  const now = Date.parse("2026-01-16T12:00:00Z");
  assert.deepEqual(retryAfterMs("2", now), 2000);
  assert.deepEqual(retryAfterMs("Fri, 16 Jan 2026 12:00:30 GMT", now), 30_000);
  assert.deepEqual(retryAfterMs("soon", now), undefined);
  assert.deepEqual(retryAfterMs(null, now), undefined);
});

Deno.test("in production without RESEND_API_KEY the outbox keeps no bodies (they hold links)", async () => {
  await withMail({ DENO_ENV: "production" }, async (services) => {
    await sendEmail(services, email("prod/1", { text: "https://portal/customer/SECRET" }));
    // waitForQueueIdle tracks only under DENO_ENV=test: poll for the sent marker instead.
    for (let i = 0; !(await emailSentMarker(services.kv, "prod/1")); i++) {
      assert(i < 1000, "the email was delivered");
      await new Promise((r) => setTimeout(r, 5));
    }
    const [entry] = (await listOutbox(services.kv)).entries;
    assert.deepEqual(entry.subject, email("x").subject);
    assert.deepEqual(entry.to, ["ops@retailstore.example"]);
    const all: string[] = [];
    for await (const e of services.kv.list({ prefix: [] })) {
      // Counters are Deno.KvU64 (a bigint inside).
      all.push(JSON.stringify(e.value, (_k, v) => typeof v === "bigint" ? String(v) : v));
    }
    assert.deepEqual(all.some((v) => v.includes("SECRET")), false, "no link left in KV");
  });
});
