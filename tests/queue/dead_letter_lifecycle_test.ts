/**
 * Issue 10 item 12, on a fake clock: an email with a portal link that fails for good becomes
 * a dead letter that holds no raw token (nor does the queue message KV would copy with
 * `keysIfUndelivered`), is re-sent re-rendered with a fresh working link, and is gone after
 * `DEAD_LETTER_RETENTION_DAYS`; KV's own raw copy of a message is redacted by the sweep.
 * Real KV queue, the production Resend adapter against a local Resend-shaped server.
 */
import { createLink, listLinks, verifyLink } from "@/lib/access/tokens.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { resendDeadLetter, sweepDeadLetters } from "@/lib/queue/dead_letter_ops.ts";
import { getDeadLetter, listDeadLetters } from "@/lib/queue/dead_letters.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { setLogSink } from "@/lib/log.ts";
import assert from "node:assert/strict";
import { dumpKv } from "@/tests/access/access_helpers.ts";
import { FakeResend } from "@/tests/fakes/resend_server.ts";
import { makeTestServices, TestClock, waitForQueueIdle } from "@/tests/helpers/services.ts";

const DAY = 24 * 3_600_000;
const RAW_TOKEN = /mpl_[A-Za-z0-9_-]{49}/;
const logs: string[] = [];
setLogSink((line) => logs.push(line));

Deno.test("a dead-lettered magic-link email: no raw token anywhere, re-sent with a fresh link, expires", async () => {
  const fake = new FakeResend("re_test_key");
  const clock = new TestClock(new Date("2026-03-02T09:00:00Z"));
  const services = await makeTestServices({
    clock,
    publicBaseUrl: "https://portal.example",
    env: {
      RESEND_API_KEY: "re_test_key",
      RESEND_BASE_URL: fake.url,
      DEAD_LETTER_RETENTION_DAYS: "14",
    },
  });
  const { kv } = services;
  // Every message as the queue hands it to KV (what KV would copy if it gave up on it).
  const enqueued: Array<{ value: unknown; keysIfUndelivered?: Deno.KvKey[] }> = [];
  const atomic = kv.atomic.bind(kv);
  kv.atomic = () => {
    const op = atomic();
    const enqueue = op.enqueue.bind(op);
    op.enqueue = (value, opts) => {
      enqueued.push({ value, keysIfUndelivered: opts?.keysIfUndelivered });
      return enqueue(value, opts);
    };
    return op;
  };
  registerEmailHandlers();
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1], jitter: 0 } });
  try {
    await createOrg(kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.example",
      support_phone: "(555) 123-4567",
    }, clock.now());
    await upsertCustomer(kv, "acme", "CUST-1", {
      name: "Retail Store Co.",
      email: "ops@retail.example",
      locale: "es",
    }, clock.now());

    fake.script([{ status: 422, name: "validation_error", message: "Invalid `to` field." }]);
    const first = await createLink(services, "acme", "CUST-1", {
      sendEmail: true,
      recipientName: "Ana",
      createdBy: { kind: "cli" },
    });
    await waitForQueueIdle();
    const { dead_letters } = await listDeadLetters(kv, { org: "acme" });
    assert.equal(dead_letters.length, 1);
    const letter = dead_letters[0];
    assert.equal(letter.expires_at, new Date(clock.now().getTime() + 14 * DAY).toISOString());

    // No raw token at rest (dead letter, its re-send copy, anything), nor in what was queued.
    const stored = await dumpKv(kv);
    assert(!stored.includes(first.token), "the link's token is nowhere in KV");
    assert(!RAW_TOKEN.test(stored), "no raw link token in KV");
    assert(enqueued.length >= 1);
    for (const m of enqueued) {
      assert(m.keysIfUndelivered?.length, "every message names where KV keeps it if undelivered");
      const text = JSON.stringify(m.value);
      assert(!text.includes(first.token) && !RAW_TOKEN.test(text), "no raw token queued");
    }
    const queued = enqueued[0].value as { payload: { template: string; link: object } };
    assert.equal(queued.payload.template, "magic_link", "the email carries what to render");

    // Re-sent: rendered again, with a fresh link of the same recipient (the first one's
    // sealed token is not kept with the dead letter).
    clock.advance(2 * DAY);
    await resendDeadLetter(services, "acme", letter.id, { by: "ana@acme.example" });
    await waitForQueueIdle();
    assert.equal(fake.emails.length, 1);
    const mail = fake.emails[0];
    assert.deepEqual(mail.to, ["ops@retail.example"]);
    const url = (mail.text ?? "").match(/https:\/\/portal\.example\/customer\/(mpl_\S+)/);
    assert(url, "the re-sent email has a link");
    assert.notEqual(url[1], first.token, "a fresh link");
    assert.match(mail.text ?? "", /Ana/, "greets the recipient, re-rendered in Spanish");
    const v = await verifyLink(services, url[1]);
    assert.equal(v.ok, true, "the fresh link works");
    const links = await listLinks(services, "acme", "CUST-1");
    const fresh = links.find((l) => l.link_id !== first.link_id)!;
    assert.equal(fresh.source, "magic_link_email");
    assert.equal(fresh.recipient_name, "Ana");
    assert.equal(
      Date.parse(fresh.expires_at),
      clock.now().getTime() + 30 * DAY,
      "an emailed link's shorter idle time",
    );
    const after = await getDeadLetter(kv, "acme", letter.id, clock.now());
    assert(after?.letter.resent, "marked re-sent");
    assert(!RAW_TOKEN.test(await dumpKv(kv)), "still no raw token in KV after the re-send");

    // KV's own copy of a message it gave up on (a raw message, as an old job held a URL):
    // the sweep keeps only what a dead letter keeps.
    const leaked = `https://portal.example/customer/mpl_${"A".repeat(49)}`;
    await kv.set(["dead_letter", "01kvcopy"], {
      type: "email.send",
      id: "01kvcopy",
      attempt: 3,
      payload: {
        org: "acme",
        to: ["ops@retail.example"],
        subject: "Old",
        html: `<a href="${leaked}">x</a>`,
        text: leaked,
        idempotency_key: "old/1",
      },
    });
    const swept = await sweepDeadLetters(services);
    assert.equal(swept.redacted, 1);
    assert(!(await dumpKv(kv)).includes(leaked), "the raw copy is redacted");
    const redacted = await getDeadLetter(kv, "acme", "01kvcopy", clock.now());
    assert(redacted, "kept as a dead letter of its org");

    // After the retention the sweep removes them all.
    clock.advance(15 * DAY);
    assert.equal(await getDeadLetter(kv, "acme", letter.id, clock.now()), null, "expired");
    const removed = await sweepDeadLetters(services);
    assert.equal(removed.removed, 2);
    assert.deepEqual((await listDeadLetters(kv, { org: "acme" })).dead_letters, []);
    assert(logs.some((l) => l.includes("dead-lettered")));
    assert(!logs.some((l) => RAW_TOKEN.test(l)), "no token in a log line");
  } finally {
    services.close();
    await listener.catch(() => {});
    await fake.close();
  }
});
