/**
 * The access matrix of the staff console: EVERY route under /staff (read from the manifest,
 * so a new route fails here until it has a row) × {no session, viewer, support, admin, an
 * admin of another org}, each with the status it must answer, and with real data behind the
 * routes (a ticket with photos, a link, a dead letter, members). An admin of another org
 * gets 404 for every one of this org's records, sees none of them in any listing, and
 * changes nothing of this org. Every state-changing route refuses a request without the
 * session's CSRF token, or with another session's, even from a signed-in admin.
 *
 * Real socket on 127.0.0.1 (the developer sign-in is loopback only), demo seed, real queue.
 */
import manifest from "@/fresh.gen.ts";
import { createLink, listLinks } from "@/lib/access/tokens.ts";
import { blobStoreFor } from "@/lib/blobs/mod.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { createTicket } from "@/lib/issues/tickets.ts";
import { STAFF_PUBLIC_ROUTES } from "@/lib/http/staff_access.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { getDeadLetter, writeDeadLetter } from "@/lib/queue/dead_letters.ts";
import { DEMO_CUSTOMER, DEMO_ORDERS, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { addStaffMember, getAllowedDomain, listStaffMembers } from "@/lib/staff/members.ts";
import type { Permission, StaffRole } from "@/lib/staff/roles.ts";
import { can } from "@/lib/staff/roles.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { waitForQueueIdle } from "@/tests/helpers/services.ts";

const OTHER_ORG = "globex";
const PNG = Uint8Array.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  0x0d,
  0x49,
  0x48,
  0x44,
  0x52,
]);
const SVG = new TextEncoder().encode(
  `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
);

/** One row per route and method: what it needs, and whether it names one of the org's records. */
interface Row {
  /** The permission the route needs (`session`: any signed-in member). */
  needs: Permission | "session";
  /** The answer for a member allowed to do it (of the record's org). */
  ok: number;
  /** The route names a record of the demo org (ticket, customer, link, dead letter). */
  scoped: boolean;
  /** The form to send (state-changing routes), made fresh for each pass. */
  form?: (f: Fixture) => Record<string, string>;
}

const MATRIX: Record<string, Row> = {
  "GET /staff": { needs: "console.view", ok: 303, scoped: false },
  "GET /staff/integrations": { needs: "console.view", ok: 200, scoped: false },
  "GET /staff/logs": { needs: "console.view", ok: 200, scoped: false },
  "GET /staff/tickets": { needs: "console.view", ok: 200, scoped: false },
  "GET /staff/tickets/[ticket_number]": { needs: "console.view", ok: 200, scoped: true },
  "GET /staff/tickets/[ticket_number]/photos/[n]": {
    needs: "console.view",
    ok: 200,
    scoped: true,
  },
  "POST /staff/tickets/[ticket_number]/status": {
    needs: "tickets.work",
    ok: 303,
    scoped: true,
    form: () => ({ status: "in_progress" }),
  },
  "POST /staff/tickets/[ticket_number]/assignee": {
    needs: "tickets.work",
    ok: 303,
    scoped: true,
    form: () => ({ assignee: "" }),
  },
  "POST /staff/tickets/[ticket_number]/notes": {
    needs: "tickets.work",
    ok: 303,
    scoped: true,
    form: () => ({ body: "Checked the pallet photos." }),
  },
  "POST /staff/tickets/[ticket_number]/replies": {
    needs: "tickets.work",
    ok: 303,
    scoped: true,
    form: () => ({ body: "We are sending replacements." }),
  },
  "GET /staff/customers": { needs: "console.view", ok: 200, scoped: false },
  "GET /staff/customers/[customer_ref]": { needs: "console.view", ok: 200, scoped: true },
  // Only a redirect to the customer page (which is checked itself): no record is read.
  "GET /staff/customers/[customer_ref]/links": { needs: "console.view", ok: 303, scoped: false },
  "POST /staff/customers/[customer_ref]/links": {
    needs: "links.manage",
    ok: 201,
    scoped: true,
    form: () => ({ recipient_name: "Ana Díaz", label: "Warehouse", delivery: "show" }),
  },
  "POST /staff/customers/[customer_ref]/links/[link_id]/revoke": {
    needs: "links.manage",
    ok: 303,
    scoped: true,
  },
  "POST /staff/customers/[customer_ref]/links/revoke-all": {
    needs: "links.manage",
    ok: 303,
    scoped: true,
  },
  "GET /staff/dead-letters": { needs: "console.view", ok: 200, scoped: false },
  "GET /staff/dead-letters/[id]": { needs: "console.view", ok: 200, scoped: true },
  "POST /staff/dead-letters/[id]/resend": { needs: "emails.resend", ok: 303, scoped: true },
  "GET /staff/audit": { needs: "audit.view", ok: 200, scoped: false },
  "GET /staff/team": { needs: "staff.manage", ok: 200, scoped: false },
  // The team routes act on the signed-in member's own org: another org's admin changes theirs.
  "POST /staff/team/invite": {
    needs: "staff.manage",
    ok: 303,
    scoped: false,
    form: (f) => ({ email: `new-${f.pass}@example.com`, role: "viewer" }),
  },
  "POST /staff/team/role": {
    needs: "staff.manage",
    ok: 303,
    scoped: false,
    form: () => ({ email: "colleague@example.com", role: "support" }),
  },
  "POST /staff/team/remove": {
    needs: "staff.manage",
    ok: 303,
    scoped: false,
    form: (f) => ({ email: f.leaver }),
  },
  "POST /staff/team/domain": {
    needs: "staff.manage",
    ok: 303,
    scoped: false,
    form: () => ({ domain: "", role: "viewer" }),
  },
  "POST /staff/signout": { needs: "session", ok: 303, scoped: false },
};

/** The records a pass works on: fresh for each, as a pass revokes, re-sends and removes. */
interface Fixture {
  pass: string;
  ticket: string;
  linkId: string;
  deadLetter: string;
  leaver: string;
}

interface Route {
  key: string;
  pattern: string;
  method: string;
}

function staffRoutes(): Route[] {
  const out: Route[] = [];
  for (const [file, mod] of Object.entries(manifest.routes)) {
    if (!file.startsWith("./routes/staff/") || /\/_(layout|middleware)\.tsx?$/.test(file)) continue;
    const pattern = file.slice("./routes".length).replace(/\.tsx?$/, "").replace(/\/index$/, "") ||
      "/staff";
    const m = mod as { handler?: Record<string, unknown> | ((...a: unknown[]) => unknown) };
    const methods = typeof m.handler === "object" && m.handler
      ? Object.keys(m.handler).filter((k) => /^[A-Z]+$/.test(k))
      : ["GET"];
    for (const method of methods) out.push({ key: `${method} ${pattern}`, pattern, method });
  }
  return out;
}

function pathOf(pattern: string, f: Fixture): string {
  const params: Record<string, string> = {
    ticket_number: f.ticket,
    customer_ref: DEMO_CUSTOMER.ref,
    link_id: f.linkId,
    id: f.deadLetter,
    n: "1",
  };
  return pattern.replace(/\[(\w+)\]/g, (_, k: string) => encodeURIComponent(params[k]));
}

let seq = 0;

/** A ticket with a PNG photo and an "image/png" that is really an SVG with a script. */
async function newTicket(services: Services): Promise<string> {
  const blobs = blobStoreFor(services);
  const png = await blobs.put(PNG, { contentType: "image/png", maxBytes: 1 << 20 });
  const svg = await blobs.put(SVG, { contentType: "image/png", maxBytes: 1 << 20 });
  const { ticket } = await createTicket(services, blobs, {
    org: DEMO_ORG.slug,
    customer_ref: DEMO_CUSTOMER.ref,
    customer_name: DEMO_CUSTOMER.name,
    order_number: DEMO_ORDERS[0].number,
    issue_type: "damaged",
    description: "Two cases arrived crushed.",
    contact_email: "buyer@retailstore.example",
    photos: [png, svg].map((b, i) => ({
      blob_id: b.id,
      name: `photo-${i + 1}.png`,
      type: "image/png" as const,
      size: b.size,
      sha256: b.sha256,
    })),
    locale: "en",
  });
  return ticket.ticket_number;
}

async function fixture(services: Services, pass: string): Promise<Fixture> {
  const link = await createLink(services, DEMO_ORG.slug, DEMO_CUSTOMER.ref, {
    source: "operator_cli",
    createdBy: { kind: "cli" },
    label: `matrix ${pass}`,
  });
  const id = `dlmatrix${++seq}`;
  await writeDeadLetter(services, {
    id,
    type: "email.send",
    org: DEMO_ORG.slug,
    attempt: 5,
    payload: { subject: "Your order portal link" },
    error: "422 from the mail service",
    resend: {
      org: DEMO_ORG.slug,
      to: ["ops@retailstore.example"],
      subject: "Your order portal link",
      template: "magic_link",
      data: { customer_ref: DEMO_CUSTOMER.ref },
      link: {
        customer_ref: DEMO_CUSTOMER.ref,
        source: "magic_link_email",
        created_by: { kind: "system" },
      },
      idempotency_key: `magic-link/acme/matrix-${seq}`,
    },
  });
  const leaver = `leaver-${pass}@example.com`;
  for (const org of [DEMO_ORG.slug, OTHER_ORG]) {
    await addStaffMember(services, { via: "cli" }, { org, email: leaver, role: "viewer" });
  }
  return { pass, ticket: await newTicket(services), linkId: link.link_id, deadLetter: id, leaver };
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(portal: Portal, org: string, role: StaffRole): Promise<Session> {
  const origin = portal.url;
  const res = await fetch(origin + "/staff/dev-signin", {
    method: "POST",
    headers: {
      origin,
      "sec-fetch-site": "same-origin",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ org, role, return_to: "/staff/tickets" }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303, `sign in as ${role} of ${org}`);
  const cookie = res.headers.getSetCookie()[0].split(";")[0];
  const page = await fetch(origin + "/staff/tickets", { headers: { cookie } });
  const html = await page.text();
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
  assert(csrf, "the page carries the session's CSRF token");
  return { cookie, csrf };
}

function send(
  portal: Portal,
  route: Route,
  f: Fixture,
  session: Session | null,
  csrf: string | null,
): Promise<Response> {
  const origin = portal.url;
  const row = MATRIX[route.key];
  const headers: Record<string, string> = { origin, "sec-fetch-site": "same-origin" };
  if (session) headers.cookie = session.cookie;
  let body: string | undefined;
  if (route.method !== "GET") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const form = new URLSearchParams(row.form?.(f) ?? {});
    if (csrf !== null) form.set("_csrf", csrf);
    body = form.toString();
  }
  return fetch(origin + pathOf(route.pattern, f), {
    method: route.method,
    headers,
    body,
    redirect: "manual",
  });
}

/** What `who` must get for `route`. */
function expected(route: Route, who: StaffRole | "none" | "other_org"): number {
  const row = MATRIX[route.key];
  if (who === "none") return 303;
  const role: StaffRole = who === "other_org" ? "admin" : who;
  if (row.needs !== "session" && !can(role, row.needs)) return 403;
  if (who === "other_org" && row.scoped) return 404;
  return row.ok;
}

/** Sign-out last: it ends the session the pass uses. */
const order = (a: Route, b: Route) =>
  Number(a.key === "POST /staff/signout") - Number(b.key === "POST /staff/signout");

Deno.test("staff access matrix: every route × no session, viewer, support, admin, another org's admin", async () => {
  const portal = await startPortal({
    listen: true,
    background: true,
    env: { DENO_ENV: "development" },
    setup: async (s) => {
      await createOrg(s.kv, {
        slug: OTHER_ORG,
        name: "Globex",
        support_email: "support@globex.example",
        support_phone: "(555) 765-4321",
      }, s.clock.now());
      for (const org of [DEMO_ORG.slug, OTHER_ORG]) {
        await addStaffMember(s, { via: "cli" }, {
          org,
          email: "colleague@example.com",
          role: "viewer",
        });
      }
    },
  });
  try {
    const routes = staffRoutes().filter((r) => !STAFF_PUBLIC_ROUTES.has(r.pattern)).sort(order);
    // A route without a row fails here: the matrix covers every route, and nothing else.
    assert.deepEqual(
      routes.map((r) => r.key).sort(),
      Object.keys(MATRIX).sort(),
      "every /staff route has exactly one row in the matrix",
    );

    const passes: Array<StaffRole | "none" | "other_org"> = [
      "none",
      "viewer",
      "support",
      "admin",
      "other_org",
    ];
    const failures: string[] = [];
    for (const who of passes) {
      const f = await fixture(portal.services, who);
      const session = who === "none" ? null : await signIn(
        portal,
        who === "other_org" ? OTHER_ORG : DEMO_ORG.slug,
        who === "other_org" ? "admin" : who,
      );
      for (const route of routes) {
        const res = await send(portal, route, f, session, session?.csrf ?? null);
        const body = await res.text();
        const want = expected(route, who);
        if (res.status !== want) {
          failures.push(`${who}: ${route.key} → ${res.status}, want ${want} ${body.slice(0, 160)}`);
        }
        if (who === "none") {
          assert.match(res.headers.get("location") ?? "", /^\/staff\/signin/, route.key);
        }
        assert.match(res.headers.get("cache-control") ?? "", /no-store/, `${who} ${route.key}`);
        if (who === "other_org") {
          // Nothing of the demo org in any answer: no ticket, customer, link or dead letter
          // (the page's own address, echoed in its language links, aside).
          const shown = body.replaceAll(pathOf(route.pattern, f), "");
          for (const secret of [f.ticket, DEMO_CUSTOMER.ref, f.linkId, f.deadLetter]) {
            const at = shown.indexOf(secret);
            assert(at < 0, `${route.key} shows ${secret}: ${shown.slice(at - 200, at + 100)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);

    // Another org's admin changed nothing here: this org's leaver, colleague and domain stay.
    const members = await listStaffMembers(portal.services.kv, DEMO_ORG.slug);
    assert(members.some((m) => m.email === "leaver-other_org@example.com"));
    assert(members.some((m) => m.email === "leaver-viewer@example.com"), "a viewer removes none");
    assert(!members.some((m) => m.email === "new-other_org@example.com"));
    const globex = await listStaffMembers(portal.services.kv, OTHER_ORG);
    assert(!globex.some((m) => m.email === "leaver-other_org@example.com"), "theirs is removed");
    assert(globex.some((m) => m.email === "new-other_org@example.com"), "theirs is invited");
    assert.equal(await getAllowedDomain(portal.services.kv, DEMO_ORG.slug), null);
    await waitForQueueIdle();
  } finally {
    await portal.close();
  }
});

Deno.test("staff photos: a real PNG inline, anything else an attachment; never executable", async () => {
  const portal = await startPortal({ listen: true, env: { DENO_ENV: "development" } });
  try {
    const ticket = await newTicket(portal.services);
    const session = await signIn(portal, DEMO_ORG.slug, "viewer");
    const get = (n: number) =>
      fetch(`${portal.url}/staff/tickets/${ticket}/photos/${n}`, {
        headers: { cookie: session.cookie },
      });
    const png = await get(1);
    assert.deepEqual(new Uint8Array(await png.arrayBuffer()), PNG);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.match(png.headers.get("content-disposition")!, /^inline; filename="TKT-/);
    // Declared PNG, bytes of an SVG with a script: served as bytes to download, never rendered.
    const svg = await get(2);
    await svg.body?.cancel();
    assert.equal(svg.headers.get("content-type"), "application/octet-stream");
    assert.match(
      svg.headers.get("content-disposition")!,
      /^attachment; filename="TKT-.*-photo-2\.png"$/,
    );
    for (const res of [png, svg]) {
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("content-security-policy"), "default-src 'none'; sandbox");
      assert.equal(res.headers.get("cross-origin-resource-policy"), "same-origin");
    }
    for (const n of ["0", "3", "x", "1.0", "%2e%2e"]) {
      const res = await fetch(`${portal.url}/staff/tickets/${ticket}/photos/${n}`, {
        headers: { cookie: session.cookie },
      });
      await res.body?.cancel();
      assert.equal(res.status, 404, `photo ${n}`);
    }
  } finally {
    await portal.close();
  }
});

// One character changed. A 32-byte token's last base64url character is one of 16, "A" among
// them, so appending a fixed letter would sometimes give the token back unchanged.
const tampered = (token: string) => token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");

Deno.test("staff CSRF: every state-changing route refuses no token and another session's token", async () => {
  const portal = await startPortal({ listen: true, env: { DENO_ENV: "development" } });
  try {
    const routes = staffRoutes().filter((r) =>
      r.method !== "GET" && !STAFF_PUBLIC_ROUTES.has(r.pattern)
    );
    assert(routes.length >= 13, `only ${routes.length} state-changing routes`);
    const f = await fixture(portal.services, "csrf");
    const admin = await signIn(portal, DEMO_ORG.slug, "admin");
    const team = (await listStaffMembers(portal.services.kv, DEMO_ORG.slug)).length;
    // A second browser's session: its token is valid, but not for this session.
    const other = await signIn(portal, DEMO_ORG.slug, "admin");
    for (const route of routes) {
      for (const csrf of [null, other.csrf, "", tampered(admin.csrf)]) {
        const res = await send(portal, route, f, admin, csrf);
        await res.body?.cancel();
        assert.equal(res.status, 403, `${route.key} with CSRF ${csrf === null ? "none" : "wrong"}`);
      }
      // Cross-site, even with the right token.
      const res = await fetch(portal.url + pathOf(route.pattern, f), {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ _csrf: admin.csrf }),
        redirect: "manual",
      });
      await res.body?.cancel();
      assert.equal(res.status, 403, `${route.key} cross-site`);
    }
    // Nothing happened: the link lives, the dead letter was not re-sent.
    const links = await listLinks(portal.services, DEMO_ORG.slug, DEMO_CUSTOMER.ref);
    assert(links.every((l) => l.status === "active"), "no link was revoked");
    assert.equal(links.length, 2, "no link was made (the portal's and the fixture's)");
    const letter = await getDeadLetter(portal.services.kv, DEMO_ORG.slug, f.deadLetter);
    assert.equal(letter?.letter.resent, undefined, "the dead letter was not re-sent");
    assert.equal((await listStaffMembers(portal.services.kv, DEMO_ORG.slug)).length, team);
  } finally {
    await portal.close();
  }
});

Deno.test("console links: email one to a recipient, show one, revoke one; the other and the shared link live", async () => {
  const portal = await startPortal({
    listen: true,
    background: true,
    env: { DENO_ENV: "development" },
  });
  try {
    const support = await signIn(portal, DEMO_ORG.slug, "support");
    const base = `${portal.url}/staff/customers/${DEMO_CUSTOMER.ref}`;
    const post = (path: string, form: Record<string, string>) =>
      fetch(base + path, {
        method: "POST",
        headers: {
          cookie: support.cookie,
          origin: portal.url,
          "sec-fetch-site": "same-origin",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ _csrf: support.csrf, ...form }),
        redirect: "manual",
      });
    // Emailed: 303, the URL never on a page.
    const sent = await post("/links", {
      recipient_name: "Ana Díaz",
      recipient_email: "ana@retailstore.example",
      label: "Warehouse",
      delivery: "email",
    });
    await sent.body?.cancel();
    assert.equal(sent.status, 303);
    assert.match(sent.headers.get("location")!, /notice=sent/);
    // Shown: 201, the URL once, on this answer only.
    const shown = await post("/links", { label: "Accounts", delivery: "show" });
    const html = await shown.text();
    assert.equal(shown.status, 201);
    const url = html.match(/value="(http:\/\/127\.0\.0\.1:\d+\/customer\/mpl_[^"]+)"/)?.[1];
    assert(url, "the new link is shown once");
    await waitForQueueIdle();
    const mail = (await listOutbox(portal.services.kv)).entries.find((e) =>
      e.to.includes("ana@retailstore.example")
    );
    assert(mail, "the link was emailed to the recipient");
    const emailed = mail.text.match(/http:\/\/127\.0\.0\.1:\d+\/customer\/mpl_[A-Za-z0-9_-]+/)![0];
    assert.match(mail.text, /Ana Díaz/);

    const links = await listLinks(portal.services, DEMO_ORG.slug, DEMO_CUSTOMER.ref);
    const ana = links.find((l) => l.recipient_email === "ana@retailstore.example")!;
    assert.equal(ana.source, "magic_link_email");
    assert.deepEqual(ana.created_by, { kind: "staff", email: "developer@localhost" });
    const accounts = links.find((l) => l.label === "Accounts")!;
    assert.equal(accounts.source, "staff_console");

    // The customer page lists them without any token.
    const page = await fetch(base, { headers: { cookie: support.cookie } });
    const listed = await page.text();
    assert(listed.includes(ana.link_id) && listed.includes(accounts.link_id));
    assert(!/mpl_[A-Za-z0-9_-]{49}/.test(listed), "no token on the customer page");

    const revoked = await post(`/links/${ana.link_id}/revoke`, {});
    await revoked.body?.cancel();
    assert.equal(revoked.status, 303);
    const open = (u: string) =>
      fetch(u, { redirect: "manual" }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    assert.equal(await open(emailed), 401, "the revoked link is refused");
    assert.equal(await open(url), 200, "the other link works");
    assert.equal(await open(portal.url + portal.dashboard), 200, "the shared link works");
    // Nothing in the log ever held a token.
    for (const t of [emailed, url].map((u) => new URL(u).pathname.split("/")[2])) {
      assert(!portal.logs.some((l) => l.includes(t)));
    }
  } finally {
    await portal.close();
  }
});
