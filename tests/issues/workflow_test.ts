/**
 * The support workflow on real KV and the real queue: status transitions, assignee, internal
 * notes that never reach the customer, replies and resolves emailed once each (also when the
 * queue delivers a job again), the customer's per-order listing, and isolation between orgs
 * and customers.
 */
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { listOutbox, type OutboxEntry } from "@/lib/email/dev_outbox.ts";
import { registerEmailHandlers } from "@/lib/email/send.ts";
import { registerIssueHandlers } from "@/lib/issues/emails.ts";
import { indexExistingTickets, listTicketsByStatus } from "@/lib/issues/ticket_index.ts";
import { createTicket, type NewTicket, type Ticket } from "@/lib/issues/tickets.ts";
import {
  addInternalNote,
  assignTicket,
  canTransition,
  changeTicketStatus,
  getTicketForStaff,
  InvalidAssigneeError,
  InvalidTransitionError,
  listCustomerOrderTickets,
  replyToCustomer,
  TICKET_STATUSES,
  TicketNotFoundError,
  WORKFLOW_EMAIL,
} from "@/lib/issues/workflow.ts";
import { sendWorkflowEmail, workflowEmailKey } from "@/lib/issues/workflow_emails.ts";
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { InvalidInputError } from "@/lib/errors.ts";
import { problemOf } from "@/lib/http/errors.ts";
import { handleQueueMessage, startQueueListener } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { addStaffMember } from "@/lib/staff/members.ts";
import { MissingPermissionError, type StaffActor } from "@/lib/staff/roles.ts";
import assert from "node:assert/strict";
import {
  makeTestServices,
  type TestClock,
  type TestServices,
  waitForQueueIdle,
} from "@/tests/helpers/services.ts";

const NOW = new Date("2026-01-16T12:00:00Z");

const staff = (
  org: string,
  role: StaffActor["role"],
  email: string,
  name?: string,
): StaffActor => ({
  org,
  email,
  role,
  via: "oidc",
  ip: "203.0.113.7",
  ...(name ? { name } : {}),
});
const SUPPORT = staff("acme", "support", "sam@acme.example", "Sam Support");
const ADMIN = staff("acme", "admin", "ada@acme.example");
const VIEWER = staff("acme", "viewer", "vic@acme.example");
const GLOBEX = staff("globex", "admin", "gil@globex.example");

async function seed(services: Services) {
  const { kv } = services;
  for (const slug of ["acme", "globex"]) {
    await createOrg(kv, {
      slug,
      name: slug === "acme" ? "ACME Manufacturing" : "Globex",
      support_email: `support@${slug}.example`,
      support_phone: "(555) 123-4567",
    }, NOW);
    for (const [ref, order] of [["CUST-A", "ORD-A1"], ["CUST-B", "ORD-B1"]]) {
      await upsertCustomer(kv, slug, ref, {
        name: `Customer ${ref}`,
        email: `${ref.toLowerCase()}@example.com`,
        locale: "en",
      }, NOW);
      await upsertOrder(kv, slug, order, {
        customer_ref: ref,
        order_date: "2026-01-10",
        delivery_date: "2026-01-18",
        status: "delivered",
        currency: "USD",
        delivery_address: "1 Main St",
        lines: [{ item_code: "X-1", description: "Widget", qty_ordered: "2", unit_price: "3.50" }],
      }, NOW);
    }
  }
  for (const a of [SUPPORT, ADMIN, VIEWER, GLOBEX]) {
    await addStaffMember(services, { via: "cli" }, { org: a.org, email: a.email, role: a.role });
  }
}

function report(
  org: string,
  ref = "CUST-A",
  order = "ORD-A1",
  locale: Ticket["locale"] = "en",
): NewTicket {
  return {
    org,
    customer_ref: ref,
    customer_name: `Customer ${ref}`,
    order_number: order,
    issue_type: "damaged",
    description: "Two widgets arrived cracked.",
    contact_email: "buyer@customer.example",
    contact_phone: "+1 555 0100",
    photos: [],
    locale,
  };
}

async function withWorkflow(fn: (services: TestServices, clock: TestClock) => Promise<void>) {
  const services = await makeTestServices({ env: { PUBLIC_BASE_URL: "https://portal.example" } });
  registerEmailHandlers();
  registerIssueHandlers();
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1, 1, 1] } });
  try {
    await seed(services);
    await fn(services, services.clock);
    await waitForQueueIdle();
  } finally {
    services.close();
    await listener.catch(() => {});
  }
}

async function newTicket(services: Services, input = report("acme")): Promise<Ticket> {
  return (await createTicket(services, blobStoreFor(services), input)).ticket;
}

/** The workflow emails in the outbox (not the report's own two). */
async function workflowMails(services: Services): Promise<OutboxEntry[]> {
  await waitForQueueIdle();
  const { entries } = await listOutbox(services.kv, { limit: 100 });
  return entries.filter((e) => /:(reply|resolved):/.test(e.idempotency_key)).reverse();
}

Deno.test("workflow: the transition table, no-ops, refusals, history and the status index", async () => {
  await withWorkflow(async (services, clock) => {
    const t = await newTicket(services);
    const n = t.ticket_number;
    // Every pair, against the table.
    const allowed = TICKET_STATUSES.flatMap((from) =>
      TICKET_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`)
    );
    assert.deepEqual(allowed, [
      "open→in_progress",
      "open→waiting_on_customer",
      "open→resolved",
      "in_progress→open",
      "in_progress→waiting_on_customer",
      "in_progress→resolved",
      "waiting_on_customer→in_progress",
      "waiting_on_customer→resolved",
      "resolved→open",
      "resolved→in_progress",
    ]);
    assert.deepEqual(
      (await listTicketsByStatus(services.kv, "acme", "open")).tickets.map((s) => s.ticket_number),
      [n],
    );

    clock.advance(60_000);
    let r = await changeTicketStatus(services, SUPPORT, n, "in_progress");
    assert.deepEqual([r.changed, r.state.status, r.state.updated_by], [
      true,
      "in_progress",
      SUPPORT.email,
    ]);
    r = await changeTicketStatus(services, SUPPORT, n, "in_progress");
    assert.deepEqual(r.changed, false, "the same status again changes nothing");
    await changeTicketStatus(services, SUPPORT, n, "waiting_on_customer");
    await assert.rejects(() => changeTicketStatus(services, SUPPORT, n, "open"), (err) => {
      assert(err instanceof InvalidTransitionError);
      assert.deepEqual([err.from, err.to], ["waiting_on_customer", "open"]);
      return true;
    });
    await changeTicketStatus(services, SUPPORT, n, "resolved");
    r = await changeTicketStatus(services, ADMIN, n, "open"); // reopened
    assert.deepEqual([r.state.status, r.state.resolved_at], ["open", null]);
    await assert.rejects(
      () => changeTicketStatus(services, SUPPORT, n, "closed" as never),
      InvalidInputError,
    );

    const view = await getTicketForStaff(services.kv, VIEWER, n);
    assert.deepEqual(view?.history.map((h) => `${h.from}→${h.to}`), [
      "open→in_progress",
      "in_progress→waiting_on_customer",
      "waiting_on_customer→resolved",
      "resolved→open",
    ]);
    // The status index follows: the ticket is listed under its current status only.
    for (const s of TICKET_STATUSES) {
      const listed = (await listTicketsByStatus(services.kv, "acme", s)).tickets.map((x) =>
        x.ticket_number
      );
      assert.deepEqual(listed, s === "open" ? [n] : [], s);
    }
    const audit = (await listAudit(services.kv, "acme")).entries.filter((e) =>
      e.action === "ticket.status"
    );
    assert.deepEqual(audit.length, 4);
    assert.deepEqual(audit[0].detail, { from: "resolved", to: "open" });
    assert.deepEqual([audit[0].actor.email, audit[0].ip], [ADMIN.email, "203.0.113.7"]);
  });
});

Deno.test("workflow: viewers read, support and admins work; nobody works another org's tickets", async () => {
  await withWorkflow(async (services) => {
    const acme = await newTicket(services);
    const globex = await newTicket(services, report("globex"));
    // Ticket numbers are per org: both orgs have this number.
    assert.deepEqual(acme.ticket_number, globex.ticket_number);
    const n = acme.ticket_number;

    for (
      const attempt of [
        () => changeTicketStatus(services, VIEWER, n, "in_progress"),
        () => assignTicket(services, VIEWER, n, SUPPORT.email),
        () => addInternalNote(services, VIEWER, n, "note"),
        () => replyToCustomer(services, VIEWER, n, "reply"),
      ]
    ) {
      await assert.rejects(attempt, (err) => {
        assert(err instanceof MissingPermissionError);
        assert.deepEqual(problemOf(err)?.status, 403);
        return true;
      });
    }
    assert(await getTicketForStaff(services.kv, VIEWER, n));

    // Globex's admin changes Globex's ticket of that number, never ACME's.
    await replyToCustomer(services, GLOBEX, n, "Globex reply");
    await changeTicketStatus(services, GLOBEX, n, "resolved");
    const acmeView = await getTicketForStaff(services.kv, ADMIN, n);
    assert.deepEqual([acmeView?.state.status, acmeView?.replies.length], ["open", 0]);
    const globexView = await getTicketForStaff(services.kv, GLOBEX, n);
    assert.deepEqual([globexView?.state.status, globexView?.replies.length], ["resolved", 1]);
    assert.deepEqual(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"))[0].replies,
      [],
    );
    // An unknown number is not found, the same as another org's.
    await assert.rejects(
      () => replyToCustomer(services, GLOBEX, "TKT-2026-000999", "x"),
      TicketNotFoundError,
    );
    assert.deepEqual(await getTicketForStaff(services.kv, GLOBEX, "TKT-2026-000999"), null);
    // Audit entries are per org.
    assert((await listAudit(services.kv, "acme")).entries.every((e) => e.org === "acme"));
  });
});

Deno.test("workflow: assignee is a support or admin member of the same org", async () => {
  await withWorkflow(async (services) => {
    const n = (await newTicket(services)).ticket_number;
    let r = await assignTicket(services, ADMIN, n, "SAM@acme.example");
    assert.deepEqual([r.changed, r.state.assignee], [true, SUPPORT.email]);
    assert.deepEqual(
      (await listTicketsByStatus(services.kv, "acme", "open")).tickets[0].assignee,
      SUPPORT.email,
    );
    r = await assignTicket(services, ADMIN, n, SUPPORT.email);
    assert.deepEqual(r.changed, false);
    for (const who of [VIEWER.email, GLOBEX.email, "nobody@acme.example"]) {
      await assert.rejects(() => assignTicket(services, ADMIN, n, who), InvalidAssigneeError, who);
    }
    r = await assignTicket(services, SUPPORT, n, null);
    assert.deepEqual(r.state.assignee, null);
    const view = await getTicketForStaff(services.kv, ADMIN, n);
    assert.deepEqual(view?.history.map((h) => [h.kind, h.from, h.to]), [
      ["assignee", null, SUPPORT.email],
      ["assignee", SUPPORT.email, null],
    ]);
  });
});

Deno.test("workflow: internal notes never reach the customer's listing", async () => {
  await withWorkflow(async (services) => {
    const n = (await newTicket(services)).ticket_number;
    const secret = "INTERNAL: customer is on credit hold, do not ship replacements";
    const note = await addInternalNote(services, SUPPORT, n, `  ${secret}  `);
    assert.deepEqual(note.body, secret);
    await replyToCustomer(services, SUPPORT, n, "We are sending two replacement widgets today.");
    await changeTicketStatus(services, SUPPORT, n, "waiting_on_customer");

    const staffView = await getTicketForStaff(services.kv, SUPPORT, n);
    assert.deepEqual(staffView?.notes.map((x) => x.body), [secret]);
    assert.deepEqual([staffView?.state.note_count, staffView?.state.reply_count], [1, 1]);

    const listing = await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1");
    assert.deepEqual(listing.length, 1);
    assert.deepEqual(listing[0].status, "waiting_on_customer");
    assert.deepEqual(listing[0].replies.map((x) => [x.author_name, x.body]), [[
      "Sam Support",
      "We are sending two replacement widgets today.",
    ]]);
    const text = JSON.stringify(listing);
    for (
      const hidden of [
        secret,
        "credit hold",
        SUPPORT.email,
        "buyer@customer.example",
        "+1 555 0100",
      ]
    ) {
      assert(!text.includes(hidden), `the customer's listing shows ${hidden}`);
    }
    // No note, no staff address in any email to the customer either.
    for (const m of await workflowMails(services)) {
      assert(!m.text.includes("credit hold") && !m.html.includes("credit hold"));
      assert(!m.text.includes(SUPPORT.email));
    }
    // Bodies are validated: invalid input naming the field.
    const invalidBody = (err: unknown) => {
      assert(err instanceof InvalidInputError);
      assert.deepEqual(Object.keys(err.fields ?? {}), ["body"]);
      return true;
    };
    for (const bad of ["", "   ", "x".repeat(5001)]) {
      await assert.rejects(() => addInternalNote(services, SUPPORT, n, bad), invalidBody);
      await assert.rejects(() => replyToCustomer(services, SUPPORT, n, bad), invalidBody);
    }
  });
});

Deno.test("workflow: each reply and each resolve is emailed once, localized, even when the queue redelivers", async () => {
  await withWorkflow(async (services) => {
    const t = await newTicket(services, report("acme", "CUST-A", "ORD-A1", "es"));
    const n = t.ticket_number;
    const reply = await replyToCustomer(
      services,
      SUPPORT,
      n,
      "Le enviamos dos piezas nuevas.\n\nSaludos.",
    );
    await changeTicketStatus(services, SUPPORT, n, "resolved");
    let mails = await workflowMails(services);
    const r = mails.find((m) => m.idempotency_key.includes(":reply:"))!;
    const resolved = mails.find((m) => m.idempotency_key.includes(":resolved:"))!;
    assert.deepEqual(mails.length, 2);
    assert.deepEqual(r.subject, `Nueva respuesta a su informe ${n} (pedido ORD-A1)`);
    assert.deepEqual(resolved.subject, `Su informe ${n} está resuelto (pedido ORD-A1)`);
    assert.deepEqual(r.to, ["buyer@customer.example"]);
    assert.deepEqual(r.reply_to, "support@acme.example");
    assert.match(r.html, /lang="es"/);
    assert.match(r.text, /ACME Manufacturing ha respondido a su informe/);
    assert.match(r.text, /Le enviamos dos piezas nuevas\./);
    assert.match(r.text, /Estado: Recibida/);
    assert.match(resolved.text, /responda a este correo/);
    // No magic link: the contact address came from a form.
    for (const m of mails) assert(!m.text.includes("/customer/mpl_"), "a link in a ticket email");
    assert.deepEqual(r.idempotency_key, `ticket:acme:${n}:reply:${reply.id}`);

    // The queue delivers the same jobs again (a lost ack, a crash after sending).
    const history = (await getTicketForStaff(services.kv, SUPPORT, n))!.history;
    const payloads = [
      { org: "acme", ticket_number: n, kind: "reply" as const, event_id: reply.id },
      { org: "acme", ticket_number: n, kind: "resolved" as const, event_id: history.at(-1)!.id },
    ];
    assert.deepEqual(payloads.map(workflowEmailKey), [r.idempotency_key, resolved.idempotency_key]);
    for (const p of payloads) {
      await handleQueueMessage(services, {
        type: WORKFLOW_EMAIL,
        id: `redelivery${payloads.indexOf(p)}`,
        payload: p,
        attempt: 1,
      });
      await sendWorkflowEmail(services, p);
    }
    assert.deepEqual((await workflowMails(services)).length, 2, "no duplicates");

    // Reopened and resolved again: a second "resolved" email; a second reply: its own email.
    await changeTicketStatus(services, ADMIN, n, "in_progress");
    await replyToCustomer(services, SUPPORT, n, "Una pregunta más.");
    await changeTicketStatus(services, SUPPORT, n, "resolved");
    mails = await workflowMails(services);
    assert.deepEqual(mails.map((m) => m.tags?.find((t) => t.name === "kind")?.value).sort(), [
      "ticket_reply",
      "ticket_reply",
      "ticket_resolved",
      "ticket_resolved",
    ]);
    assert.deepEqual(new Set(mails.map((m) => m.idempotency_key)).size, 4);
    // Status changes other than resolve, and notes, send nothing.
    await addInternalNote(services, SUPPORT, n, "note");
    await changeTicketStatus(services, SUPPORT, n, "open");
    assert.deepEqual((await workflowMails(services)).length, 4);
  });
});

Deno.test("workflow: the customer's listing is per customer and per order", async () => {
  await withWorkflow(async (services, clock) => {
    const first = await newTicket(services);
    clock.advance(3_600_000);
    const second = await newTicket(services, { ...report("acme"), issue_type: "missing" });
    const otherOrder = await newTicket(services, report("acme", "CUST-B", "ORD-B1"));
    await replyToCustomer(services, SUPPORT, first.ticket_number, "First answer");

    const a = await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1");
    assert.deepEqual(a.map((t) => [t.ticket_number, t.issue_type, t.replies.length]), [
      [first.ticket_number, "damaged", 1],
      [second.ticket_number, "missing", 0],
    ]);
    assert.deepEqual(Object.keys(a[0]).sort(), [
      "created_at",
      "description",
      "issue_type",
      "order_number",
      "replies",
      "resolved_at",
      "status",
      "ticket_number",
      "updated_at",
    ]);
    // Customer B's order, asked for under customer A, and vice versa: nothing.
    assert.deepEqual(await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-B1"), []);
    assert.deepEqual(await listCustomerOrderTickets(services.kv, "acme", "CUST-B", "ORD-A1"), []);
    assert.deepEqual(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-B", "ORD-B1"))[0].ticket_number,
      otherOrder.ticket_number,
    );
    // The same customer and order in another org: that org's tickets only.
    assert.deepEqual(await listCustomerOrderTickets(services.kv, "globex", "CUST-A", "ORD-A1"), []);
  });
});

Deno.test("workflow: concurrent replies all land, counted once each", async () => {
  await withWorkflow(async (services) => {
    const n = (await newTicket(services)).ticket_number;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => replyToCustomer(services, SUPPORT, n, `Reply ${i}`)),
    );
    const view = await getTicketForStaff(services.kv, SUPPORT, n);
    assert.deepEqual([view?.replies.length, view?.state.reply_count], [8, 8]);
    assert.deepEqual((await workflowMails(services)).length, 8);
  });
});

Deno.test("workflow: tickets from before the indexes are indexed once", async () => {
  await withWorkflow(async (services) => {
    const t = await newTicket(services);
    // As a ticket created before this change: the record without its index entries.
    for await (const e of services.kv.list({ prefix: ["ticket_by_order"] })) {
      await services.kv.delete(e.key);
    }
    for await (const e of services.kv.list({ prefix: ["ticket_by_status"] })) {
      await services.kv.delete(e.key);
    }
    assert.deepEqual(await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"), []);
    assert.deepEqual(await indexExistingTickets(services.kv), 1);
    assert.deepEqual(await indexExistingTickets(services.kv), 0);
    assert.deepEqual(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"))[0].ticket_number,
      t.ticket_number,
    );
    assert.deepEqual((await listTicketsByStatus(services.kv, "acme", "open")).tickets.length, 1);
  });
});
