/**
 * The operator CLI: every command in-process against real KV (exit codes, human and JSON
 * output, clear errors), and once as a real process on a KV file with an order on stdin.
 */
import { WIREFRAME_LINES } from "@/tests/helpers/wireframe.ts";
import { runCli } from "@/cli/admin.ts";
import { getOrder } from "@/lib/orders/orders.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";
import { startTestServer } from "@/tests/helpers/server.ts";
import { listOutbox, type OutboxEntry } from "@/lib/email/dev_outbox.ts";

const ORDER = {
  order_number: "ORD-008456",
  customer_ref: "CUST-RS-2026-045",
  order_date: "2026-01-14",
  delivery_date: "2026-01-18",
  status: "shipped",
  currency: "USD",
  delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
  lines: WIREFRAME_LINES,
};

async function withCli(
  fn: (
    run: (args: string[], stdin?: string) => Promise<{ code: number; out: string; err: string }>,
    services: Services,
  ) => Promise<void>,
) {
  const services = await makeTestServices({
    env: { DENO_ENV: "development", SEED_DEMO: "1", PORT: "8000" },
    publicBaseUrl: "https://portal.example",
  });
  const files = new Map<string, string>([["order.json", JSON.stringify(ORDER)]]);
  try {
    await fn(async (args, stdin = "") => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, services, {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        readStdin: () => Promise.resolve(stdin),
        readFile: (p) =>
          files.has(p) ? Promise.resolve(files.get(p)!) : Promise.reject(new Error("No such file")),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }, services);
  } finally {
    services.close();
  }
}

const ORG_ARGS = [
  "org",
  "create",
  "--slug",
  "acme",
  "--name",
  "ACME Manufacturing",
  "--support-email",
  "sales@acme.com",
  "--support-phone",
  "(555) 123-4567",
];
const CUSTOMER_ARGS = [
  "customer",
  "upsert",
  "--org",
  "acme",
  "--ref",
  "CUST-RS-2026-045",
  "--name",
  "Retail Store Co.",
  "--email",
  "ops@retailstore.example",
];

Deno.test("CLI: org, customer, order, key and link commands", async () => {
  await withCli(async (run, services) => {
    let r = await run(ORG_ARGS);
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(r.out, "Created org acme (ACME Manufacturing).");
    r = await run(ORG_ARGS);
    assert.deepEqual(r.code, 2);
    assert.match(r.err, /already exists/);

    r = await run([...CUSTOMER_ARGS, "--locale", "es", "--json"]);
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).created, true);
    assert.deepEqual(JSON.parse(r.out).customer.locale, "es");
    r = await run(CUSTOMER_ARGS);
    assert.deepEqual(r.out, "Updated customer CUST-RS-2026-045 (Retail Store Co.) in acme.");

    r = await run(["order", "upsert", "--org", "acme", "--file", "order.json"]);
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(
      r.out,
      "Created order ORD-008456 for CUST-RS-2026-045: 3 lines, total 8450.00 USD, shipped.",
    );
    const { order_number: _n, ...body } = ORDER;
    r = await run([
      "order",
      "upsert",
      "--org",
      "acme",
      "--file",
      "-",
      "--number",
      "ORD-1",
      "--json",
    ], JSON.stringify(body));
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).order.total, "8450.00");
    assert(await getOrder(services.kv, "acme", "CUST-RS-2026-045", "ORD-1"));

    r = await run(["key", "create", "--org", "acme", "--json"]);
    assert.deepEqual(r.code, 0, r.err);
    const key = JSON.parse(r.out).key as string;
    assert(key.length >= 20);
    // Stored hashed: the key itself is nowhere in KV.
    for await (const e of services.kv.list({ prefix: [] })) {
      assert(!JSON.stringify(e, (_k, v) => typeof v === "bigint" ? String(v) : v).includes(key));
    }

    r = await run(["link", "create", "--org", "acme", "--customer", "CUST-RS-2026-045"]);
    assert.deepEqual(r.code, 0, r.err);
    assert.match(r.out, /https:\/\/portal\.example\/customer\/\S+/);
    r = await run(["link", "create", "--org", "acme", "--customer", "CUST-RS-2026-045", "--json"]);
    const link = JSON.parse(r.out);
    assert.match(link.url, /^https:\/\/portal\.example\/customer\//);
    assert(!Number.isNaN(Date.parse(link.expires_at)));
    r = await run(["link", "revoke", "--org", "acme", "--customer", "CUST-RS-2026-045"]);
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(r.out, "Revoked 2 links of CUST-RS-2026-045 in acme.");

    r = await run(["ticket", "list", "--org", "acme"]);
    assert.deepEqual([r.code, r.out], [0, "No tickets for acme."]);
    r = await run(["logs", "--org", "acme", "--json"]);
    assert.deepEqual([r.code, JSON.parse(r.out)], [0, { logs: [] }]);
  });
});

Deno.test("CLI: bad input exits 2 with a clear message", async () => {
  await withCli(async (run) => {
    await run(ORG_ARGS);
    const cases: Array<[string[], string, string?]> = [
      [[], "Usage"],
      [["frobnicate"], "Unknown command"],
      [["org", "create", "--slug", "acme"], "Missing --name"],
      [["org", "create", "--bogus"], "Unknown option"],
      [["customer", "upsert", "--org", "nope", "--ref", "X"], 'No org "nope"'],
      [
        ["customer", "upsert", "--org", "acme", "--ref", "C", "--name", "N", "--email", "bad"],
        "email",
      ],
      [[
        "customer",
        "upsert",
        "--org",
        "acme",
        "--ref",
        "C",
        "--name",
        "N",
        "--email",
        "a@b.co",
        "--locale",
        "fr",
      ], "locale"],
      [["order", "upsert", "--org", "acme", "--file", "missing.json"], "Cannot read missing.json"],
      [["order", "upsert", "--org", "acme", "--file", "-"], "not valid JSON", "{"],
      [["order", "upsert", "--org", "acme", "--file", "-"], "order number", "{}"],
      [
        ["order", "upsert", "--org", "acme", "--file", "-", "--number", "O1"],
        "lines",
        '{"customer_ref":"X"}',
      ],
      [["order", "upsert", "--org", "acme", "--file", "-"], "No customer", JSON.stringify(ORDER)],
      [["link", "create", "--org", "acme", "--customer", "NOPE"], 'No customer "NOPE"'],
      [["link", "revoke", "--org", "acme"], "Missing --customer"],
    ];
    for (const [args, message, stdin] of cases) {
      const r = await run(args, stdin);
      assert.deepEqual(r.code, 2, `${args.join(" ")}: ${r.out} ${r.err}`);
      assert.ok(r.err.includes(message), args.join(" "));
    }
    const json = await run(["link", "create", "--org", "acme", "--customer", "NOPE", "--json"]);
    assert.deepEqual(JSON.parse(json.err), { error: 'No customer "NOPE" in org "acme".' });
  });
});

Deno.test("CLI as a process: KV_PATH file, order from stdin, exit codes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { KV_PATH: `${dir}/portal.kv`, PUBLIC_BASE_URL: "https://portal.example" };
    const cli = async (args: string[], stdin = "") => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("../../cli/admin.ts", import.meta.url).pathname, ...args],
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
      const o = await child.output();
      return {
        code: o.code,
        out: new TextDecoder().decode(o.stdout).trim(),
        err: new TextDecoder().decode(o.stderr).trim(),
      };
    };
    assert.deepEqual((await cli(ORG_ARGS)).code, 0);
    assert.deepEqual((await cli(CUSTOMER_ARGS)).code, 0);
    const r = await cli(["order", "upsert", "--org", "acme", "--file", "-"], JSON.stringify(ORDER));
    assert.deepEqual(r.code, 0, r.err);
    assert.match(r.out, /total 8450\.00 USD/);
    const bad = await cli(["order", "upsert", "--org", "acme", "--file", "-"], "[]");
    assert.deepEqual(bad.code, 2);
    assert.match(bad.err, /Error:/);
    const badEnv = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../cli/admin.ts", import.meta.url).pathname,
        "logs",
        "--org",
        "acme",
      ],
      env: { ...env, PORT: "nope" },
      stdout: "piped",
      stderr: "piped",
    });
    const o = await badEnv.output();
    assert.deepEqual(o.code, 2);
    assert.match(new TextDecoder().decode(o.stderr), /PORT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: link create --send mails the link through the queue (dev outbox)", async () => {
  const server = await startTestServer({ background: true });
  try {
    const io = (out: string[]) => ({
      stdout: (l: string) => out.push(l),
      stderr: (l: string) => out.push(l),
      readStdin: () => Promise.resolve(""),
      readFile: () => Promise.reject(new Error("no files")),
    });
    const out: string[] = [];
    for (const args of [ORG_ARGS, CUSTOMER_ARGS]) {
      assert.deepEqual(await runCli(args, server.services, io(out)), 0, out.join("\n"));
    }
    const args = [
      "link",
      "create",
      "--org",
      "acme",
      "--customer",
      "CUST-RS-2026-045",
      "--send",
      "--json",
    ];
    assert.deepEqual(await runCli(args, server.services, io(out)), 0, out.join("\n"));
    const { url, emailed } = JSON.parse(out.at(-1)!);
    assert.deepEqual(emailed, true);
    // Delivery is asynchronous (the queue listener); wait for it without a time assertion.
    let entries: OutboxEntry[] = [];
    for (let i = 0; i < 200 && entries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      entries = (await listOutbox(server.services.kv)).entries;
    }
    assert.deepEqual(entries.length, 1);
    assert.deepEqual(entries[0].to, ["ops@retailstore.example"]);
    assert.ok(entries[0].text.includes(url), `missing ${url}`);
  } finally {
    await server.close();
  }
});
