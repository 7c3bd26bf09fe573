/**
 * Nothing an operator sends produces a 500 (issue 10, item 4). Names, emails and phones are
 * checked at every entry, the CLI and the admin API: one line, bounded, no control or
 * bidirectional characters, stored Unicode-normalized; a bad one is the contract's 422 (the
 * CLI: a message naming the flag, exit 2). A link asked for with its email is never left
 * alive when that email cannot be queued, and a name stored before these checks still gives
 * one-line subjects.
 */
import assert from "node:assert/strict";
import { createApiKey } from "@/lib/access/api_keys.ts";
import { runCli } from "@/cli/admin.ts";
import { listOutbox } from "@/lib/email/dev_outbox.ts";
import { getCustomer, upsertCustomer } from "@/lib/orders/customers.ts";
import { createOrg, getOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { makeTestServices, waitForQueueIdle } from "@/tests/helpers/services.ts";
import { startTestServer, type TestServer } from "@/tests/helpers/server.ts";

/** Values an operator (or a script with a bad CSV) might send for a one-line field. */
const BAD_LINES: Array<[string, string]> = [
  ["a line feed", "ACME\nManufacturing"],
  ["a carriage return", "ACME\rBcc: victim@example.com"],
  ["a tab", "ACME\tManufacturing"],
  ["a NUL", "ACME\u0000"],
  ["an escape sequence", "ACME \u001b[31mred"],
  ["a C1 control", "ACME\u0085Manufacturing"],
  ["a line separator", "ACME\u2028Manufacturing"],
  ["a right-to-left override", "ACME \u202egnirutcafunaM"],
  ["a lone surrogate", "ACME \ud800"],
  ["201 characters", "é".repeat(201)],
  ["only spaces", "   "],
];

const BAD_EMAILS = [
  "ops@acme.example\nbcc@evil.example",
  "ops\r\n@acme.example",
  "not an email",
  "ops@",
];
const BAD_PHONES = ["call me", "(555) 123-4567\nBcc: x", "12", "+1 555 123 4567 ☎"];

interface Run {
  code: number;
  out: string;
  err: string;
}

function cliOn(services: Services) {
  return async (args: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, services, {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      readStdin: () => Promise.resolve(""),
      readFile: () => Promise.reject(new Error("no files")),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
}

const org = (over: Record<string, string> = {}) => {
  const v = {
    slug: "acme",
    name: "ACME Manufacturing",
    "support-email": "sales@acme.example",
    "support-phone": "(555) 123-4567",
    ...over,
  };
  return ["org", "create", ...Object.entries(v).flatMap(([k, x]) => [`--${k}`, x])];
};

const customer = (over: Record<string, string> = {}) => {
  const v = {
    org: "acme",
    ref: "CUST-1",
    name: "Retail Store Co.",
    email: "ops@retail.example",
    phone: "+1 555 123 4567",
    ...over,
  };
  return ["customer", "upsert", ...Object.entries(v).flatMap(([k, x]) => [`--${k}`, x])];
};

Deno.test("CLI: a name, email or phone that is not one clean line exits 2 naming the flag; nothing is stored", async () => {
  using services = await makeTestServices();
  const run = cliOn(services);
  for (const [what, value] of BAD_LINES) {
    const r = await run(org({ name: value }));
    assert.deepEqual(r.code, 2, `org name with ${what}: ${r.out}`);
    assert.match(r.err, /^Error: Invalid input: --name: /, what);
    assert.doesNotMatch(r.err, /\n/, `the message itself is one line (${what})`);
  }
  for (const value of BAD_EMAILS) {
    const r = await run(org({ "support-email": value }));
    assert.deepEqual(r.code, 2, JSON.stringify(value));
    assert.match(r.err, /--support-email: A valid email address/);
  }
  for (const value of BAD_PHONES) {
    const r = await run(org({ "support-phone": value }));
    assert.deepEqual(r.code, 2, JSON.stringify(value));
    assert.match(r.err, /--support-phone: /);
  }
  assert.deepEqual(await getOrg(services.kv, "acme"), null, "no org was stored");

  assert.deepEqual((await run(org())).code, 0);
  for (const [what, value] of BAD_LINES) {
    const r = await run(customer({ name: value }));
    assert.deepEqual(r.code, 2, `customer name with ${what}`);
    assert.match(r.err, /--name: /);
  }
  for (const value of BAD_EMAILS) assert.deepEqual((await run(customer({ email: value }))).code, 2);
  for (const value of BAD_PHONES) assert.deepEqual((await run(customer({ phone: value }))).code, 2);
  assert.deepEqual(await getCustomer(services.kv, "acme", "CUST-1"), null);
  // --json callers get the same refusal as JSON on stderr.
  const json = await run([...org({ slug: "other", name: "Bad\nName" }), "--json"]);
  assert.deepEqual(json.code, 2);
  assert.match(JSON.parse(json.err).error, /--name: One line of text/);
});

Deno.test("CLI and admin API store names Unicode-normalized (NFC) and trimmed", async () => {
  using services = await makeTestServices();
  const run = cliOn(services);
  // "Café" typed with a combining acute accent (e + U+0301), padded with spaces.
  assert.deepEqual((await run(org({ name: "  Cafe\u0301 Industrial  " }))).code, 0);
  assert.deepEqual((await getOrg(services.kv, "acme"))?.name, "Caf\u00e9 Industrial");
  const r = await run(
    customer({ name: "Zak\u0142ad Ło\u0301dz\u0301", email: " ops@retail.example " }),
  );
  assert.deepEqual(r.code, 0, r.err);
  const c = await getCustomer(services.kv, "acme", "CUST-1");
  assert.deepEqual([c?.name, c?.email], ["Zakład Łódź", "ops@retail.example"]);
});

Deno.test("CLI as a process: org create with a newline in the name exits 2 with one clear line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../cli/admin.ts", import.meta.url).pathname,
        ...org({ name: "ACME\nManufacturing" }),
      ],
      env: { KV_PATH: `${dir}/portal.kv` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr).trim();
    assert.deepEqual(o.code, 2, err);
    assert.deepEqual(
      err,
      "Error: Invalid input: --name: One line of text, without line breaks or control characters.",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The real portal on a socket with the queue running, an org `acme` and its API key. */
async function adminPortal(
  setup?: (services: Services) => Promise<void>,
): Promise<TestServer & { key: string }> {
  let key = "";
  const server = await startTestServer({
    listen: true,
    background: true,
    async setup(s) {
      if (setup) await setup(s);
      else {
        await createOrg(s.kv, {
          slug: "acme",
          name: "ACME Manufacturing",
          support_email: "sales@acme.example",
          support_phone: "(555) 123-4567",
        }, s.clock.now());
      }
      key = (await createApiKey(s.kv, "acme", s.clock.now())).key;
    },
  });
  return Object.assign(server, { key });
}

function admin(server: TestServer & { key: string }, method: string, path: string, body?: unknown) {
  return server.fetch(`/api/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test("admin API over HTTP: PUT customer refuses bad names, emails and phones with 422 per field", async () => {
  const server = await adminPortal();
  try {
    const good = { name: "Retail Store Co.", email: "ops@retail.example" };
    for (const [what, name] of BAD_LINES) {
      const res = await admin(server, "PUT", "/customers/CUST-1", { ...good, name });
      assert.deepEqual(res.status, 422, what);
      const body = await res.json();
      assert.deepEqual(body.error.code, "validation_failed");
      assert.deepEqual(Object.keys(body.error.fields), ["name"], what);
    }
    for (const email of BAD_EMAILS) {
      const res = await admin(server, "PUT", "/customers/CUST-1", { ...good, email });
      assert.deepEqual(res.status, 422);
      assert.deepEqual(Object.keys((await res.json()).error.fields), ["email"]);
    }
    for (const phone of BAD_PHONES) {
      const res = await admin(server, "PUT", "/customers/CUST-1", { ...good, phone });
      assert.deepEqual(res.status, 422);
      assert.deepEqual(Object.keys((await res.json()).error.fields), ["phone"]);
    }
    assert.deepEqual(await getCustomer(server.services.kv, "acme", "CUST-1"), null);
    const ok = await admin(server, "PUT", "/customers/CUST-1", {
      ...good,
      name: "Cafe\u0301 Co.",
      phone: "+48 12 345 67 89 ext. 12",
    });
    assert.deepEqual(ok.status, 201);
    assert.deepEqual((await ok.json()).name, "Café Co.");
  } finally {
    await server.close();
  }
});

Deno.test("admin API over HTTP: a link whose email cannot be queued is refused with 422 and never alive", async () => {
  // Data stored before addresses were checked: the customer's address is not one.
  const server = await adminPortal(async (s) => {
    const now = s.clock.now();
    await createOrg(s.kv, {
      slug: "acme",
      name: "ACME Manufacturing",
      support_email: "sales@acme.example",
      support_phone: "(555) 123-4567",
    }, now);
    await upsertCustomer(s.kv, "acme", "CUST-1", {
      name: "Retail Store Co.",
      email: "ops@retail.example\nBcc: victim@example.com",
    }, now);
  });
  try {
    const res = await admin(server, "POST", "/customers/CUST-1/links", { send_email: true });
    assert.deepEqual(res.status, 422);
    const body = await res.json();
    assert.deepEqual(body.error.code, "validation_failed");
    assert.deepEqual(Object.keys(body.error.fields), ["customer.email"]);
    assert.ok(!JSON.stringify(body).includes("/customer/mpl_"), "no link in the refusal");
    const { kv } = server.services;
    assert.deepEqual(await count(kv, "link"), 0, "no link record");
    assert.deepEqual(await count(kv, "links_by_customer"), 0, "no link index entry");
    await waitForQueueIdle();
    assert.deepEqual((await listOutbox(kv)).entries.length, 0, "no email");
    // Without the email the operator can still make a link (and hand it over themselves).
    const plain = await admin(server, "POST", "/customers/CUST-1/links", {});
    assert.deepEqual(plain.status, 201);
  } finally {
    await server.close();
  }
});

Deno.test("admin API over HTTP: an org name stored with a newline still gives a one-line subject, and the link works", async () => {
  const server = await adminPortal(async (s) => {
    const now = s.clock.now();
    await createOrg(s.kv, {
      slug: "acme",
      name: "ACME\r\nBcc: victim@example.com\u202e",
      support_email: "sales@acme.example",
      support_phone: "(555) 123-4567",
    }, now);
    await upsertCustomer(s.kv, "acme", "CUST-1", {
      name: "Retail\nStore",
      email: "ops@retail.example",
    }, now);
  });
  try {
    const res = await admin(server, "POST", "/customers/CUST-1/links", { send_email: true });
    assert.deepEqual(res.status, 201);
    const { url } = await res.json();
    await waitForQueueIdle();
    const [mail] = (await listOutbox(server.services.kv)).entries;
    assert.deepEqual(mail.subject, "Your order portal link from ACME Bcc: victim@example.com");
    assert.ok(mail.text.includes(url), "the email carries the link");
    // Title and brand lines of the email are one line each too.
    assert.match(mail.text, /^ACME Bcc: victim@example\.com\n/);
    assert.deepEqual((await server.fetch(new URL(url).pathname)).status, 200);
  } finally {
    await server.close();
  }
});
