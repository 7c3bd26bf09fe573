/**
 * The developer sign-in: a real session for `developer@localhost` in development, from this
 * machine only; 404 wherever the decision says off (production, OIDC configured, a proxied
 * or remote request), 403 cross-site, 422 for a bad org or role.
 */
import { developerSignIn } from "@/lib/http/developer_signin.ts";
import { problemOf } from "@/lib/http/errors.ts";
import { currentStaff } from "@/lib/http/oidc.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import type { Services } from "@/lib/services.ts";
import { listAudit } from "@/lib/staff/audit.ts";
import { DEVELOPER_EMAIL } from "@/lib/staff/console_access.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

async function withServices(env: Record<string, string>, fn: (s: Services) => Promise<void>) {
  // The developer sign-in exists in development only (DENO_ENV's default).
  using services = await makeTestServices({
    env: { DENO_ENV: "development", PUBLIC_BASE_URL: "http://localhost:8000", ...env },
  });
  await createOrg(services.kv, {
    slug: "acme",
    name: "ACME Manufacturing",
    support_email: "sales@acme.example",
    support_phone: "(555) 123-4567",
  }, services.clock.now());
  await fn(services);
}

const form = { org: "acme", role: "admin", return_to: "/staff/tickets" };
const post = (headers: Record<string, string> = {}) =>
  new Request("http://localhost:8000/staff/dev-signin", {
    method: "POST",
    headers: { "sec-fetch-site": "same-origin", "user-agent": "DevBrowser", ...headers },
  });

async function statusOf(p: Promise<Response>): Promise<number> {
  try {
    return (await p).status;
  } catch (err) {
    const problem = problemOf(err);
    assert(problem, `not a client error: ${err}`);
    return problem.status;
  }
}

Deno.test("developer sign-in: a labelled local session in development", async () => {
  await withServices({}, async (services) => {
    const res = await developerSignIn(services, post(), "127.0.0.1", form);
    assert.deepEqual(res.status, 303);
    assert.deepEqual(res.headers.get("location"), "/staff/tickets");
    const cookie = res.headers.getSetCookie()[0];
    assert.match(
      cookie,
      /^__Host-mp_staff=mps_\S+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const staff = await currentStaff(
      services,
      new Request("http://localhost:8000/staff", { headers: { cookie: cookie.split(";")[0] } }),
    );
    assert.deepEqual(
      [staff?.actor.email, staff?.actor.role, staff?.actor.via, staff?.session.via],
      [DEVELOPER_EMAIL, "admin", "developer", "developer"],
    );
    const [entry] = (await listAudit(services.kv, "acme")).entries;
    assert.deepEqual([entry.action, entry.actor.via, entry.ip], [
      "session.sign_in",
      "developer",
      "127.0.0.1",
    ]);
    // Another role next time: the same member, the new role.
    await developerSignIn(services, post(), "::1", { ...form, role: "viewer" });
  });
});

Deno.test("developer sign-in: 404 where it is off, 403 cross-site, 422 bad input", async () => {
  await withServices({}, async (services) => {
    assert.deepEqual(await statusOf(developerSignIn(services, post(), "192.168.1.5", form)), 404);
    assert.deepEqual(
      await statusOf(
        developerSignIn(services, post({ "x-forwarded-for": "203.0.113.9" }), "127.0.0.1", form),
      ),
      404,
    );
    const rebinding = new Request("http://evil.example:8000/staff/dev-signin", { method: "POST" });
    assert.deepEqual(await statusOf(developerSignIn(services, rebinding, "127.0.0.1", form)), 404);
    assert.deepEqual(
      await statusOf(
        developerSignIn(services, post({ "sec-fetch-site": "cross-site" }), "127.0.0.1", form),
      ),
      403,
    );
    assert.deepEqual(
      await statusOf(developerSignIn(services, post(), "127.0.0.1", { ...form, org: "nope" })),
      422,
    );
    assert.deepEqual(
      await statusOf(developerSignIn(services, post(), "127.0.0.1", { ...form, role: "root" })),
      422,
    );
    assert.deepEqual(await statusOf(developerSignIn(services, post(), "127.0.0.1", {})), 422);
  });
  for (
    const env of [{ DENO_ENV: "production" } as Record<string, string>, {
      OIDC_ISSUER: "https://idp.example",
      OIDC_CLIENT_ID: "x",
    }]
  ) {
    await withServices(env, async (services) => {
      assert.deepEqual(
        await statusOf(developerSignIn(services, post(), "127.0.0.1", form)),
        404,
        JSON.stringify(env),
      );
    });
  }
});
