/**
 * Issue 10 item 11, on a fake clock: every link records why it exists (operator CLI, admin
 * API, staff console, magic-link email, status email), who made it and when it was last
 * used; links minted for an email end after a shorter idle time (`LINK_EMAIL_IDLE_DAYS`,
 * default 30) while the others keep 90 days; `revokeLinks` (the CLI's `link revoke
 * --customer` and the admin API's DELETE) still ends every one of them.
 */
import { runCli } from "@/cli/admin.ts";
import { resolveEmailLink } from "@/lib/access/email_links.ts";
import { createLink, listLinks, revokeLinks, verifyLink } from "@/lib/access/tokens.ts";
import { loadConfig } from "@/lib/config.ts";
import { createLinkForStaff } from "@/lib/staff/links.ts";
import type { StaffActor } from "@/lib/staff/roles.ts";
import assert from "node:assert/strict";
import { DAY, openServices, seedOrg } from "@/tests/access/access_helpers.ts";

const SUPPORT: StaffActor = {
  org: "acme",
  email: "ana@acme.example",
  role: "support",
  via: "oidc",
};

const tokenOf = (url: string) => new URL(url).pathname.split("/")[2];

Deno.test("emailed links default to 30 idle days; LINK_EMAIL_IDLE_DAYS bounds it", () => {
  assert.equal(loadConfig({}).LINK_EMAIL_IDLE_DAYS, 30);
  assert.equal(loadConfig({ LINK_EMAIL_IDLE_DAYS: "7" }).LINK_EMAIL_IDLE_DAYS, 7);
  for (const bad of ["0", "91", "x", "1.5"]) {
    assert.throws(() => loadConfig({ LINK_EMAIL_IDLE_DAYS: bad }), /LINK_EMAIL_IDLE_DAYS/);
  }
});

Deno.test("each link says why it exists and who made it; email links end sooner; revoke ends all", async () => {
  const s = await openServices({ env: { LINK_EMAIL_IDLE_DAYS: "10" } });
  try {
    await seedOrg(s.kv, "acme", ["C1"]);
    const t0 = s.clock.now().getTime();
    const cliOut: string[] = [];
    assert.equal(
      await runCli(["link", "create", "--org", "acme", "--customer", "C1", "--json"], s, {
        stdout: (l) => cliOut.push(l),
        stderr: () => {},
        readStdin: () => Promise.resolve(""),
        readFile: () => Promise.reject(new Error("no files")),
      }),
      0,
    );
    const cli = JSON.parse(cliOut.join("\n"));
    const api = await createLink(s, "acme", "C1", {
      source: "admin_api",
      createdBy: { kind: "api_key" },
    });
    const { link: staff } = await createLinkForStaff(s, SUPPORT, "C1", {
      recipient_name: "Ben",
      label: "Front desk",
      delivery: "show",
    });
    const emailed = await createLink(s, "acme", "C1", {
      sendEmail: true,
      createdBy: { kind: "staff", email: SUPPORT.email },
    });
    // A status email's link is minted when the email is delivered (lib/access/email_links.ts).
    const status = await resolveEmailLink(s, "acme", {
      customer_ref: "C1",
      source: "status_email",
      created_by: { kind: "system" },
      path: "/orders/ORD-1",
    });
    assert.match(status.url, /\/customer\/mpl_[^/]+\/orders\/ORD-1$/);

    const byId = async () =>
      Object.fromEntries((await listLinks(s, "acme", "C1")).map((l) => [l.link_id, l]));
    let links = await byId();
    const expect = [
      [cli.link_id, "operator_cli", { kind: "cli" }, 90],
      [api.link_id, "admin_api", { kind: "api_key" }, 90],
      [staff.link_id, "staff_console", { kind: "staff", email: SUPPORT.email }, 90],
      [emailed.link_id, "magic_link_email", { kind: "staff", email: SUPPORT.email }, 10],
      [status.minted!.link_id, "status_email", { kind: "system" }, 10],
    ] as const;
    for (const [id, source, by, days] of expect) {
      const l = links[id];
      assert(l, `${source} is listed`);
      assert.equal(l.source, source);
      assert.deepEqual(l.created_by, by);
      assert.equal(Date.parse(l.created_at), t0);
      assert.equal(l.last_used_at, null, "not used yet");
      assert.equal(Date.parse(l.expires_at), t0 + days * DAY, `${source}: ${days} idle days`);
    }
    assert.equal(links[staff.link_id].recipient_name, "Ben");
    assert.equal(links[staff.link_id].label, "Front desk");

    // Day 9: the emailed link is used, which renews it for its own 10 days, not 90.
    s.clock.advance(9 * DAY);
    assert((await verifyLink(s, tokenOf(emailed.url))).ok);
    links = await byId();
    assert.equal(Date.parse(links[emailed.link_id].expires_at), t0 + 19 * DAY);

    // Day 12: the unused status-email link has ended; the 90-day links and the renewed live.
    s.clock.advance(3 * DAY);
    const st = await verifyLink(s, tokenOf(status.url));
    assert.equal(st.ok, false);
    if (!st.ok) assert.equal(st.reason, "expired");
    for (const url of [cli.url, api.url, staff.url, emailed.url]) {
      assert((await verifyLink(s, tokenOf(url))).ok, url);
    }
    assert.equal((await byId())[status.minted!.link_id].status, "expired");

    // `link revoke --customer` / `DELETE …/links`: every link ends, emailed ones included.
    assert(await revokeLinks(s.kv, "acme", "C1", s.clock.now(), { by: { kind: "cli" } }) >= 4);
    for (const url of [cli.url, api.url, staff.url, emailed.url]) {
      const v = await verifyLink(s, tokenOf(url));
      assert.equal(v.ok, false, url);
      if (!v.ok) assert.equal(v.reason, "revoked");
    }
    assert(Object.values(await byId()).every((l) => l.status !== "active"));
  } finally {
    s.close();
  }
});
