/**
 * A report's two emails go through the KV queue: the ticket's own atomic op enqueues the
 * email job, the job queues one email to the org's support address and one confirmation in
 * the customer's language, each exactly once however often the job runs.
 */
import { listOutbox, type OutboxEntry } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { registerIssueHandlers, sendTicketEmails } from "@/lib/issues/emails.ts";
import { startQueueListener } from "@/lib/queue/queue.ts";
import { waitForQueueIdle } from "@/tests/helpers/services.ts";
import assert from "node:assert/strict";
import { FakeResend } from "@/tests/fakes/resend_server.ts";
import type { TestServer } from "@/tests/helpers/server.ts";
import {
  asA,
  fileBytes,
  GOOD,
  JPEG_SIG,
  post,
  reportPath,
  startIssueServer,
} from "@/tests/issues/issue_helpers.ts";

async function outboxOf(server: TestServer): Promise<OutboxEntry[]> {
  // The ticket's email job was enqueued with the ticket (enqueueInAtomic), so the queue
  // knows about it: waiting for idle covers the job and the two emails it queues.
  await waitForQueueIdle();
  return (await listOutbox(server.services.kv, { limit: 50 })).entries;
}

Deno.test("a report sends the support email and a localized confirmation, once each", async () => {
  const server = await startIssueServer({
    setup(services) {
      registerEmailHandlers();
      registerIssueHandlers();
      startQueueListener(services, { retry: { retryDelaysMs: [1, 1, 1] } });
    },
  });
  try {
    const r = await post(
      server,
      {
        ...GOOD,
        contact_phone: "+48 123 456 789",
        files: [{ name: "a.jpg", bytes: fileBytes(JPEG_SIG, 5000) }],
      },
      asA,
      reportPath("ORD-A1", "es"),
    );
    assert.deepEqual(r.status, 201);
    const ticket = String(r.body.ticket_number);
    const mails = await outboxOf(server);
    assert.deepEqual(mails.length, 2);
    const support = mails.find((m) => m.to[0] === "sales@acme.example");
    const confirm = mails.find((m) => m.to[0] === GOOD.contact_email);
    assert(support && confirm, "one to support, one to the contact");
    assert.deepEqual(support.idempotency_key, `ticket:acme:${ticket}:support`);
    assert.deepEqual(confirm.idempotency_key, `ticket:acme:${ticket}:confirmation`);
    assert.deepEqual(support.subject, `New issue ${ticket}: Damaged items on order ORD-A1`);
    assert.ok(support.text.includes(GOOD.description!), `missing ${GOOD.description!}`);
    assert.match(support.text, /\+48 123 456 789/);
    assert.ok(
      support.text.includes(`${server.url}/api/admin/v1/tickets/${ticket}/photos/1`),
      `missing ${`${server.url}/api/admin/v1/tickets/${ticket}/photos/1`}`,
    );
    assert.deepEqual(support.reply_to, GOOD.contact_email);
    // The customer reported in Spanish: the confirmation is in Spanish.
    assert.deepEqual(confirm.subject, `Hemos recibido su informe ${ticket} del pedido ORD-A1`);
    assert.match(confirm.text, /le contactará en un plazo de 24 horas\./);
    assert.ok(!confirm.text.includes(GOOD.description!), "no client text in the confirmation");
    assert.match(confirm.html, /lang="es"/);

    // The job running again (a queue redelivery) sends nothing new.
    await sendTicketEmails(server.services, { org: "acme", ticket_number: ticket });
    await waitForQueueIdle();
    assert.deepEqual((await listOutbox(server.services.kv)).entries.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("through Resend's wire format: 500, 429, accepted-but-lost; each ticket email arrives once", async () => {
  const fake = new FakeResend("re_test_key");
  const server = await startIssueServer({
    env: { RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: fake.url },
    setup(services) {
      registerEmailHandlers();
      registerIssueHandlers();
      startQueueListener(services, { retry: { retryDelaysMs: [1, 1, 1, 1, 1], jitter: 0 } });
    },
  });
  try {
    fake.script([
      { status: 500 },
      { status: 429, retryAfter: "0" },
      { kind: "accept_then_fail" },
    ]);
    const r = await post(server, GOOD);
    assert.deepEqual(r.status, 201);
    const ticket = String(r.body.ticket_number);
    await waitForQueueIdle();
    const keys = fake.emails.map((e) => e.idempotencyKey).sort();
    assert.deepEqual(keys, [`ticket:acme:${ticket}:confirmation`, `ticket:acme:${ticket}:support`]);
    // Every attempt carried the email's Idempotency-Key, so the retries could not duplicate.
    assert(fake.requests.length >= 5, `retries happened (${fake.requests.length} requests)`);
    assert(fake.requests.every((q) => q.idempotencyKey?.startsWith(`ticket:acme:${ticket}:`)));
  } finally {
    await server.close();
    await fake.close();
  }
});
