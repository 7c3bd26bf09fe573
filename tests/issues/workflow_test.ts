/**
 * The support workflow on real KV and the real queue: status transitions, assignee, internal
 * notes that never reach the customer, replies and resolves emailed once each (also when the
 * queue delivers a job again), the customer's per-order listing, and isolation between orgs
 * and customers.
 */
import { ZodError } from "zod";
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { loadConfig } from "@/lib/config.ts";
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
import { createOrg, upsertCustomer, upsertOrder } from "@/lib/orders/store.ts";
import { handleQueueMessage, startQueueListener, waitForQueueIdle } from "@/lib/queue/queue.ts";
import type { Services } from "@/lib/services.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { addStaffMember } from "@/lib/staff/members.ts";
import { ForbiddenError, type StaffActor } from "@/lib/staff/roles.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@/tests/helpers/assert.ts";
import { TestClock } from "@/tests/helpers/server.ts";

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

async function withWorkflow(fn: (services: Services, clock: TestClock) => Promise<void>) {
  const clock = new TestClock(new Date(NOW));
  const services: Services = {
    kv: await Deno.openKv(":memory:"),
    config: loadConfig({
      DENO_ENV: "test",
      KV_PATH: ":memory:",
      PUBLIC_BASE_URL: "https://portal.example",
    }),
    clock,
  };
  registerEmailHandlers();
  registerIssueHandlers();
  const listener = startQueueListener(services, { retry: { retryDelaysMs: [1, 1, 1] } });
  try {
    await seed(services);
    await fn(services, clock);
    await waitForQueueIdle();
  } finally {
    services.kv.close();
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
    assertEquals(allowed, [
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
    assertEquals(
      (await listTicketsByStatus(services.kv, "acme", "open")).tickets.map((s) => s.ticket_number),
      [n],
    );

    clock.advance(60_000);
    let r = await changeTicketStatus(services, SUPPORT, n, "in_progress");
    assertEquals([r.changed, r.state.status, r.state.updated_by], [
      true,
      "in_progress",
      SUPPORT.email,
    ]);
    r = await changeTicketStatus(services, SUPPORT, n, "in_progress");
    assertEquals(r.changed, false, "the same status again changes nothing");
    await changeTicketStatus(services, SUPPORT, n, "waiting_on_customer");
    const refused = await assertRejects(() => changeTicketStatus(services, SUPPORT, n, "open"));
    assert(refused instanceof InvalidTransitionError);
    assertEquals([refused.from, refused.to], ["waiting_on_customer", "open"]);
    await changeTicketStatus(services, SUPPORT, n, "resolved");
    r = await changeTicketStatus(services, ADMIN, n, "open"); // reopened
    assertEquals([r.state.status, r.state.resolved_at], ["open", null]);
    await assertRejects(() => changeTicketStatus(services, SUPPORT, n, "closed" as never));

    const view = await getTicketForStaff(services.kv, VIEWER, n);
    assertEquals(view?.history.map((h) => `${h.from}→${h.to}`), [
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
      assertEquals(listed, s === "open" ? [n] : [], s);
    }
    const audit = (await listAudit(services.kv, "acme")).entries.filter((e) =>
      e.action === "ticket.status"
    );
    assertEquals(audit.length, 4);
    assertEquals(audit[0].detail, { from: "resolved", to: "open" });
    assertEquals([audit[0].actor.email, audit[0].ip], [ADMIN.email, "203.0.113.7"]);
  });
});

Deno.test("workflow: viewers read, support and admins work; nobody works another org's tickets", async () => {
  await withWorkflow(async (services) => {
    const acme = await newTicket(services);
    const globex = await newTicket(services, report("globex"));
    // Ticket numbers are per org: both orgs have this number.
    assertEquals(acme.ticket_number, globex.ticket_number);
    const n = acme.ticket_number;

    for (
      const attempt of [
        () => changeTicketStatus(services, VIEWER, n, "in_progress"),
        () => assignTicket(services, VIEWER, n, SUPPORT.email),
        () => addInternalNote(services, VIEWER, n, "note"),
        () => replyToCustomer(services, VIEWER, n, "reply"),
      ]
    ) {
      assert(await assertRejects(attempt) instanceof ForbiddenError);
    }
    assert(await getTicketForStaff(services.kv, VIEWER, n));

    // Globex's admin changes Globex's ticket of that number, never ACME's.
    await replyToCustomer(services, GLOBEX, n, "Globex reply");
    await changeTicketStatus(services, GLOBEX, n, "resolved");
    const acmeView = await getTicketForStaff(services.kv, ADMIN, n);
    assertEquals([acmeView?.state.status, acmeView?.replies.length], ["open", 0]);
    const globexView = await getTicketForStaff(services.kv, GLOBEX, n);
    assertEquals([globexView?.state.status, globexView?.replies.length], ["resolved", 1]);
    assertEquals(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"))[0].replies,
      [],
    );
    // An unknown number is not found, the same as another org's.
    assert(
      await assertRejects(() =>
        replyToCustomer(services, GLOBEX, "TKT-2026-000999", "x")
      ) instanceof TicketNotFoundError,
    );
    assertEquals(await getTicketForStaff(services.kv, GLOBEX, "TKT-2026-000999"), null);
    // Audit entries are per org.
    assert((await listAudit(services.kv, "acme")).entries.every((e) => e.org === "acme"));
  });
});

Deno.test("workflow: assignee is a support or admin member of the same org", async () => {
  await withWorkflow(async (services) => {
    const n = (await newTicket(services)).ticket_number;
    let r = await assignTicket(services, ADMIN, n, "SAM@acme.example");
    assertEquals([r.changed, r.state.assignee], [true, SUPPORT.email]);
    assertEquals(
      (await listTicketsByStatus(services.kv, "acme", "open")).tickets[0].assignee,
      SUPPORT.email,
    );
    r = await assignTicket(services, ADMIN, n, SUPPORT.email);
    assertEquals(r.changed, false);
    for (const who of [VIEWER.email, GLOBEX.email, "nobody@acme.example"]) {
      assert(
        await assertRejects(() => assignTicket(services, ADMIN, n, who)) instanceof
          InvalidAssigneeError,
        who,
      );
    }
    r = await assignTicket(services, SUPPORT, n, null);
    assertEquals(r.state.assignee, null);
    const view = await getTicketForStaff(services.kv, ADMIN, n);
    assertEquals(view?.history.map((h) => [h.kind, h.from, h.to]), [
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
    assertEquals(note.body, secret);
    await replyToCustomer(services, SUPPORT, n, "We are sending two replacement widgets today.");
    await changeTicketStatus(services, SUPPORT, n, "waiting_on_customer");

    const staffView = await getTicketForStaff(services.kv, SUPPORT, n);
    assertEquals(staffView?.notes.map((x) => x.body), [secret]);
    assertEquals([staffView?.state.note_count, staffView?.state.reply_count], [1, 1]);

    const listing = await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1");
    assertEquals(listing.length, 1);
    assertEquals(listing[0].status, "waiting_on_customer");
    assertEquals(listing[0].replies.map((x) => [x.author_name, x.body]), [[
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
    // Bodies are validated.
    for (const bad of ["", "   ", "x".repeat(5001)]) {
      assert(
        await assertRejects(() => addInternalNote(services, SUPPORT, n, bad)) instanceof ZodError,
      );
      assert(
        await assertRejects(() => replyToCustomer(services, SUPPORT, n, bad)) instanceof ZodError,
      );
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
    assertEquals(mails.length, 2);
    assertEquals(r.subject, `Nueva respuesta a su informe ${n} (pedido ORD-A1)`);
    assertEquals(resolved.subject, `Su informe ${n} está resuelto (pedido ORD-A1)`);
    assertEquals(r.to, ["buyer@customer.example"]);
    assertEquals(r.reply_to, "support@acme.example");
    assertStringIncludes(r.html, 'lang="es"');
    assertStringIncludes(r.text, "ACME Manufacturing ha respondido a su informe");
    assertStringIncludes(r.text, "Le enviamos dos piezas nuevas.");
    assertStringIncludes(r.text, "Estado: Recibida");
    assertStringIncludes(resolved.text, "responda a este correo");
    // No magic link: the contact address came from a form.
    for (const m of mails) assert(!m.text.includes("/customer/mpl_"), "a link in a ticket email");
    assertEquals(r.idempotency_key, `ticket:acme:${n}:reply:${reply.id}`);

    // The queue delivers the same jobs again (a lost ack, a crash after sending).
    const history = (await getTicketForStaff(services.kv, SUPPORT, n))!.history;
    const payloads = [
      { org: "acme", ticket_number: n, kind: "reply" as const, event_id: reply.id },
      { org: "acme", ticket_number: n, kind: "resolved" as const, event_id: history.at(-1)!.id },
    ];
    assertEquals(payloads.map(workflowEmailKey), [r.idempotency_key, resolved.idempotency_key]);
    for (const p of payloads) {
      await handleQueueMessage(services, {
        type: WORKFLOW_EMAIL,
        id: `redelivery${payloads.indexOf(p)}`,
        payload: p,
        attempt: 1,
      });
      await sendWorkflowEmail(services, p);
    }
    assertEquals((await workflowMails(services)).length, 2, "no duplicates");

    // Reopened and resolved again: a second "resolved" email; a second reply: its own email.
    await changeTicketStatus(services, ADMIN, n, "in_progress");
    await replyToCustomer(services, SUPPORT, n, "Una pregunta más.");
    await changeTicketStatus(services, SUPPORT, n, "resolved");
    mails = await workflowMails(services);
    assertEquals(mails.map((m) => m.tags?.find((t) => t.name === "kind")?.value).sort(), [
      "ticket_reply",
      "ticket_reply",
      "ticket_resolved",
      "ticket_resolved",
    ]);
    assertEquals(new Set(mails.map((m) => m.idempotency_key)).size, 4);
    // Status changes other than resolve, and notes, send nothing.
    await addInternalNote(services, SUPPORT, n, "note");
    await changeTicketStatus(services, SUPPORT, n, "open");
    assertEquals((await workflowMails(services)).length, 4);
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
    assertEquals(a.map((t) => [t.ticket_number, t.issue_type, t.replies.length]), [
      [first.ticket_number, "damaged", 1],
      [second.ticket_number, "missing", 0],
    ]);
    assertEquals(Object.keys(a[0]).sort(), [
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
    assertEquals(await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-B1"), []);
    assertEquals(await listCustomerOrderTickets(services.kv, "acme", "CUST-B", "ORD-A1"), []);
    assertEquals(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-B", "ORD-B1"))[0].ticket_number,
      otherOrder.ticket_number,
    );
    // The same customer and order in another org: that org's tickets only.
    assertEquals(await listCustomerOrderTickets(services.kv, "globex", "CUST-A", "ORD-A1"), []);
  });
});

Deno.test("workflow: concurrent replies all land, counted once each", async () => {
  await withWorkflow(async (services) => {
    const n = (await newTicket(services)).ticket_number;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => replyToCustomer(services, SUPPORT, n, `Reply ${i}`)),
    );
    const view = await getTicketForStaff(services.kv, SUPPORT, n);
    assertEquals([view?.replies.length, view?.state.reply_count], [8, 8]);
    assertEquals((await workflowMails(services)).length, 8);
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
    assertEquals(await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"), []);
    assertEquals(await indexExistingTickets(services.kv), 1);
    assertEquals(await indexExistingTickets(services.kv), 0);
    assertEquals(
      (await listCustomerOrderTickets(services.kv, "acme", "CUST-A", "ORD-A1"))[0].ticket_number,
      t.ticket_number,
    );
    assertEquals((await listTicketsByStatus(services.kv, "acme", "open")).tickets.length, 1);
  });
});
