/**
 * What the console's lists show, on real KV and a fake clock: tickets filtered by status,
 * type, order and customer with per-status counts and paging; the integration log filtered
 * by carrier, outcome, order, tracking number and time with paging; customer search. Each
 * only ever holds the actor's org. Plus the sign-in rate limit over HTTP.
 */
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { changeTicketStatus } from "@/lib/issues/workflow.ts";
import { createTicket, type NewTicket } from "@/lib/issues/tickets.ts";
import { searchCustomers, upsertCustomer } from "@/lib/orders/customers.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { SIGNIN_ATTEMPTS_PER_HOUR } from "@/lib/http/staff_access.ts";
import { LogFilters, logsForStaff } from "@/lib/staff/operations.ts";
import type { StaffActor } from "@/lib/staff/roles.ts";
import { listTicketsForStaff, TicketFilters } from "@/lib/staff/tickets.ts";
import { writeLog } from "@/lib/tracking/integration_log.ts";
import assert from "node:assert/strict";
import { startTestServer } from "@/tests/helpers/server.ts";
import { makeTestServices, TestClock } from "@/tests/helpers/services.ts";

const ACME: StaffActor = { org: "acme", email: "ana@acme.example", role: "support", via: "oidc" };
const GLOBEX: StaffActor = { ...ACME, org: "globex", email: "gus@globex.example" };

async function seed(s: Services) {
  for (const slug of ["acme", "globex"]) {
    await createOrg(s.kv, {
      slug,
      name: slug === "acme" ? "ACME Manufacturing" : "Globex",
      support_email: `support@${slug}.example`,
      support_phone: "(555) 123-4567",
    }, s.clock.now());
  }
  await upsertCustomer(s.kv, "acme", "CUST-RS", {
    name: "Retail Store Co.",
    email: "ops@retail.example",
  }, s.clock.now());
  await upsertCustomer(s.kv, "acme", "CUST-BK", {
    name: "Bakery Bros",
    email: "hi@bakery.example",
  }, s.clock.now());
  await upsertCustomer(s.kv, "globex", "CUST-RS", {
    name: "Retail Store of Globex",
    email: "ops@globex-retail.example",
  }, s.clock.now());
}

function report(org: string, ref: string, name: string, order: string, type: string): NewTicket {
  return {
    org,
    customer_ref: ref,
    customer_name: name,
    order_number: order,
    issue_type: type as NewTicket["issue_type"],
    description: "Something is wrong with this order.",
    contact_email: "buyer@example.com",
    photos: [],
    locale: "en",
  };
}

const filters = (q: Record<string, string>) => TicketFilters.parse(q);

Deno.test("console tickets: status, type, order and customer filters, counts per status, paging, one org", async () => {
  const s = await makeTestServices({ clock: new TestClock(new Date("2026-02-02T10:00:00Z")) });
  try {
    await seed(s);
    const blobs = blobStoreFor(s);
    const make = async (input: NewTicket) => (await createTicket(s, blobs, input)).ticket;
    const damaged = await make(report("acme", "CUST-RS", "Retail Store Co.", "ORD-1", "damaged"));
    const missing = await make(report("acme", "CUST-RS", "Retail Store Co.", "ORD-2", "missing"));
    const bakery = await make(report("acme", "CUST-BK", "Bakery Bros", "ORD-7", "damaged"));
    // 26 more, so the list pages (25 a page).
    for (let i = 0; i < 26; i++) {
      s.clock.advance(1000);
      await make(report("acme", "CUST-BK", "Bakery Bros", `ORD-9${i}`, "quality"));
    }
    const theirs = await make(
      report("globex", "CUST-RS", "Retail Store of Globex", "ORD-1", "damaged"),
    );
    await changeTicketStatus(s, ACME, damaged.ticket_number, "in_progress");
    await changeTicketStatus(s, ACME, missing.ticket_number, "resolved");

    const all = await listTicketsForStaff(s, ACME, filters({}));
    assert.deepEqual(all.counts, { open: 27, in_progress: 1, waiting_on_customer: 0, resolved: 1 });
    assert.equal(all.tickets.length, 25);
    assert(all.next_cursor);
    const rest = await listTicketsForStaff(s, ACME, filters({ cursor: all.next_cursor }));
    assert.equal(rest.tickets.length, 4);
    assert.equal(rest.next_cursor, null);
    const seen = [...all.tickets, ...rest.tickets].map((t) => t.ticket_number);
    assert.equal(new Set(seen).size, 29, "every ticket once across pages");
    // Numbers are per org (globex's first ticket has acme's first number): compare content.
    assert(
      [...all.tickets, ...rest.tickets].every((t) => t.customer_name !== "Retail Store of Globex"),
      "no ticket of another org",
    );

    const numbers = async (q: Record<string, string>) =>
      (await listTicketsForStaff(s, ACME, filters(q))).tickets.map((t) => t.ticket_number).sort();
    assert.deepEqual(await numbers({ status: "in_progress" }), [damaged.ticket_number]);
    assert.deepEqual(await numbers({ status: "resolved" }), [missing.ticket_number]);
    assert.deepEqual(
      await numbers({ type: "damaged" }),
      [damaged.ticket_number, bakery.ticket_number].sort(),
    );
    assert.deepEqual(await numbers({ type: "damaged", status: "open" }), [bakery.ticket_number]);
    assert.deepEqual(await numbers({ order: "ord-2" }), [missing.ticket_number]);
    assert.deepEqual(
      await numbers({ customer: "retail" }),
      [damaged.ticket_number, missing.ticket_number].sort(),
    );
    assert.deepEqual(await numbers({ customer: "CUST-RS", status: "open" }), []);
    // A filter nobody could type is no filter, never an error.
    assert.equal((await numbers({ status: "bogus", type: "<script>" })).length, 25);

    // The other org sees its one ticket, whatever the filter.
    const g = await listTicketsForStaff(s, GLOBEX, filters({ customer: "retail" }));
    assert.deepEqual(g.tickets.map((t) => t.ticket_number), [theirs.ticket_number]);
    assert.deepEqual(g.counts, { open: 1, in_progress: 0, waiting_on_customer: 0, resolved: 0 });
  } finally {
    s.close();
  }
});

Deno.test("console logs: carrier, outcome, order, tracking number and time filters, paging, one org", async () => {
  const s = await makeTestServices({ clock: new TestClock(new Date("2026-02-02T10:00:00Z")) });
  try {
    await seed(s);
    const call = (o: Partial<Parameters<typeof writeLog>[1]>) =>
      writeLog(s, {
        org: "acme",
        kind: "carrier_call",
        carrier: "ups",
        tracking_numbers: ["1Z999AA10123456784"],
        outcome: "ok",
        ...o,
      });
    await call({ order_number: "ORD-008456" });
    s.clock.advance(60_000);
    await call({ carrier: "fedex", tracking_numbers: ["123456789012"], outcome: "http_503" });
    s.clock.advance(3_600_000);
    await call({
      carrier: "usps",
      tracking_numbers: ["9400100000000000000000"],
      outcome: "not_found",
    });
    await call({ org: "globex", carrier: "ups", order_number: "ORD-008456" });
    for (let i = 0; i < 55; i++) await call({ kind: "poll", outcome: "ok" });

    const f = (q: Record<string, string>) => LogFilters.parse(q);
    const rows = async (q: Record<string, string>) => (await logsForStaff(s, ACME, f(q))).logs;
    assert.deepEqual((await rows({ carrier: "fedex" })).map((l) => l.outcome), ["http_503"]);
    assert.deepEqual((await rows({ outcome: "error" })).map((l) => l.carrier), ["fedex"]);
    assert.deepEqual((await rows({ outcome: "not_found" })).map((l) => l.carrier), ["usps"]);
    assert.deepEqual((await rows({ order: "008456" })).map((l) => l.org), ["acme"]);
    assert.deepEqual((await rows({ tracking: "1234 5678 9012" })).map((l) => l.carrier), ["fedex"]);
    assert.deepEqual(
      (await rows({ from: "2026-02-02T10:00", to: "2026-02-02T10:30" })).map((l) => l.carrier),
      ["fedex", "ups"],
      "newest first, within the window",
    );
    assert.equal((await rows({ from: "2026-02-03" })).length, 0);
    assert.equal((await rows({ carrier: "dhl", outcome: "Robert'); DROP" })).length, 50);

    const first = await logsForStaff(s, ACME, f({}));
    assert.equal(first.logs.length, 50);
    assert(first.next_cursor);
    const second = await logsForStaff(s, ACME, f({ cursor: first.next_cursor }));
    assert.equal(second.logs.length, 8);
    const ids = [...first.logs, ...second.logs].map((l) => l.id);
    assert.equal(new Set(ids).size, 58);
    assert([...first.logs, ...second.logs].every((l) => l.org === "acme"), "only this org");
    assert.equal((await logsForStaff(s, GLOBEX, f({}))).logs.length, 1);
  } finally {
    s.close();
  }
});

// The console's customer page searches with the actor's org (routes/staff/customers/index.tsx).
Deno.test("console customers: search by name or reference, within the actor's org", async () => {
  const s = await makeTestServices();
  try {
    await seed(s);
    const refs = async (actor: StaffActor, q: string) =>
      (await searchCustomers(s.kv, actor.org, { query: q })).customers.map((c) => c.ref).sort();
    assert.deepEqual(await refs(ACME, ""), ["CUST-BK", "CUST-RS"]);
    assert.deepEqual(await refs(ACME, "bakery"), ["CUST-BK"]);
    assert.deepEqual(await refs(ACME, "CUST-RS"), ["CUST-RS"]);
    assert.deepEqual(await refs(GLOBEX, "bakery"), []);
    const g = await searchCustomers(s.kv, GLOBEX.org, { query: "retail" });
    assert.deepEqual(g.customers.map((c) => c.name), ["Retail Store of Globex"]);
  } finally {
    s.close();
  }
});

Deno.test("sign-in steps are rate limited per client address (429 with Retry-After)", async () => {
  const server = await startTestServer({ listen: true, env: { DENO_ENV: "development" } });
  try {
    const post = () =>
      fetch(`${server.url}/staff/dev-signin`, {
        method: "POST",
        headers: {
          origin: server.url,
          "sec-fetch-site": "same-origin",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "org=nope&role=admin",
      });
    for (let i = 0; i < SIGNIN_ATTEMPTS_PER_HOUR; i++) {
      const res = await post();
      await res.body?.cancel();
      assert.equal(res.status, 422, `attempt ${i + 1}`);
    }
    const limited = await post();
    await limited.body?.cancel();
    assert.equal(limited.status, 429);
    assert(Number(limited.headers.get("retry-after")) > 0);
    // Reading the sign-in page is not a step: it still answers.
    const page = await fetch(`${server.url}/staff/signin`);
    await page.body?.cancel();
    assert.equal(page.status, 200);
  } finally {
    await server.close();
  }
});
