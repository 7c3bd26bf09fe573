/**
 * `deno task admin staff …`: invite, list, change a role, allowed domain, remove; exit codes
 * and messages for bad input; once as a real process through `deno task admin` on a KV file.
 */
import { runCli } from "@/cli/admin.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { getStaffMember } from "@/lib/staff/members.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

const ORG = {
  slug: "acme",
  name: "ACME Manufacturing",
  support_email: "sales@acme.example",
  support_phone: "(555) 123-4567",
};

async function withCli(
  fn: (
    run: (args: string[]) => Promise<{ code: number; out: string; err: string }>,
    services: Services,
  ) => Promise<void>,
) {
  const services = await makeTestServices({ env: { DENO_ENV: "development" } });
  await createOrg(services.kv, ORG, services.clock.now());
  try {
    await fn(async (args) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, services, {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        readStdin: () => Promise.resolve(""),
        readFile: () => Promise.reject(new Error("no files")),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }, services);
  } finally {
    services.close();
  }
}

const ADD = ["staff", "add", "--org", "acme", "--email", "Ops@ACME.example", "--role", "admin"];

Deno.test("CLI staff: add, change role, list, domain, remove", async () => {
  await withCli(async (run, services) => {
    let r = await run(ADD);
    assert.deepEqual(r.code, 0, r.err);
    assert.deepEqual(
      r.out,
      "Invited ops@acme.example to acme as admin: they sign in at /staff with their company account.",
    );
    r = await run([...ADD.slice(0, -1), "support", "--json"]);
    assert.deepEqual(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.deepEqual([json.created, json.member.role, json.member.status], [
      false,
      "support",
      "invited",
    ]);
    assert.deepEqual(
      (await getStaffMember(services.kv, "acme", "ops@acme.example"))?.role,
      "support",
    );

    r = await run(["staff", "domain", "--org", "acme", "--domain", "acme.example"]);
    assert.deepEqual([r.code, r.out], [
      0,
      "Every verified address @acme.example may now join acme as viewer.",
    ]);
    r = await run(["staff", "list", "--org", "acme"]);
    assert.deepEqual(
      r.out,
      "ops@acme.example  support  invited  never signed in\nAllowed domain: acme.example (joins as viewer)",
    );
    r = await run(["staff", "domain", "--org", "acme", "--domain", "off", "--json"]);
    assert.deepEqual(JSON.parse(r.out), { org: "acme", allowed_domain: null });

    r = await run(["staff", "remove", "--org", "acme", "--email", "ops@acme.example"]);
    assert.deepEqual([r.code, r.out], [
      0,
      "Removed ops@acme.example from acme; their sessions have ended.",
    ]);
    r = await run(["staff", "list", "--org", "acme", "--json"]);
    assert.deepEqual(JSON.parse(r.out), { members: [], allowed_domain: null });

    // Every change is in the audit log, done by the CLI.
    const audit = (await listAudit(services.kv, "acme")).entries;
    assert.deepEqual(audit.map((e) => e.action), [
      "staff.remove",
      "staff.domain",
      "staff.domain",
      "staff.update",
      "staff.add",
    ]);
    assert.deepEqual(audit.every((e) => e.actor.via === "cli"), true);
  });
});

Deno.test("CLI staff: bad input exits 2 with a clear message", async () => {
  await withCli(async (run) => {
    const cases: Array<[string[], string]> = [
      [["staff", "add", "--org", "acme", "--email", "ops@acme.example"], "Missing --role"],
      [
        ["staff", "add", "--org", "acme", "--email", "ops@acme.example", "--role", "owner"],
        "--role: Role: admin, support or viewer.",
      ],
      [["staff", "add", "--org", "acme", "--email", "not-an-email", "--role", "admin"], "--email"],
      [
        ["staff", "add", "--org", "nope", "--email", "a@b.example", "--role", "admin"],
        'No org "nope"',
      ],
      [
        ["staff", "remove", "--org", "acme", "--email", "ghost@acme.example"],
        "is not staff of acme",
      ],
      [["staff", "domain", "--org", "acme", "--domain", "*.acme.example"], "--domain"],
      [["staff", "frobnicate", "--org", "acme"], "Unknown command"],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.deepEqual(r.code, 2, `${args.join(" ")}: ${r.out} ${r.err}`);
      assert.ok(r.err.includes(message), `${args.join(" ")}: ${r.err}`);
    }
    const r = await run([...ADD.slice(0, -1), "owner", "--json"]);
    assert.deepEqual(JSON.parse(r.err), { error: "--role: Role: admin, support or viewer." });
  });
});

Deno.test("CLI staff: `deno task admin staff add` as a process on a KV file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kvPath = `${dir}/portal.kv`;
    const kv = await Deno.openKv(kvPath);
    await createOrg(kv, ORG, new Date());
    kv.close();
    const root = new URL("../../", import.meta.url).pathname;
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "admin",
        "staff",
        "add",
        "--org",
        "acme",
        "--email",
        "ops@acme.example",
        "--role",
        "admin",
        "--json",
      ],
      cwd: root,
      env: { KV_PATH: kvPath },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.deepEqual(o.code, 0, new TextDecoder().decode(o.stderr));
    const out = JSON.parse(new TextDecoder().decode(o.stdout));
    assert.deepEqual([out.created, out.member.email, out.member.role], [
      true,
      "ops@acme.example",
      "admin",
    ]);
    const check = await Deno.openKv(kvPath);
    assert.deepEqual((await getStaffMember(check, "acme", "ops@acme.example"))?.role, "admin");
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
