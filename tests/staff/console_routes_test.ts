/**
 * Every route under /staff, read from the manifest (a new route cannot escape): without a
 * session each one answers 303 to the sign-in page (the sign-in routes excepted); signed in,
 * every page renders and no route answers 500; every state-changing route refuses a request
 * without the session's CSRF token (403). Real socket on 127.0.0.1 (the developer sign-in is
 * loopback only), demo seed.
 */
import manifest from "@/fresh.gen.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { STAFF_PUBLIC_ROUTES } from "@/lib/http/staff_access.ts";
import assert from "node:assert/strict";
import { startPortal } from "@/tests/helpers/portal.ts";

const PARAMS: Record<string, string> = {
  customer_ref: DEMO_CUSTOMER.ref,
  link_id: "lnk_unknown",
  id: "unknown",
  ticket_number: "T-000000",
  n: "1",
};

interface StaffRoute {
  pattern: string;
  path: string;
  methods: string[];
}

function staffRoutes(): StaffRoute[] {
  const out: StaffRoute[] = [];
  for (const [file, mod] of Object.entries(manifest.routes)) {
    if (!file.startsWith("./routes/staff/") || /\/_(layout|middleware)\.tsx?$/.test(file)) continue;
    const pattern = file.slice("./routes".length).replace(/\.tsx?$/, "").replace(/\/index$/, "");
    const path = pattern.replace(/\[(\w+)\]/g, (_, k: string) => encodeURIComponent(PARAMS[k]));
    const m = mod as { handler?: Record<string, unknown> | ((...a: unknown[]) => unknown) };
    const methods = typeof m.handler === "object" && m.handler
      ? Object.keys(m.handler).filter((k) => /^[A-Z]+$/.test(k))
      : ["GET"];
    out.push({ pattern: pattern || "/staff", path: path || "/staff", methods });
  }
  return out;
}

Deno.test("staff routes: manifest-wide session, render and CSRF checks", async () => {
  const portal = await startPortal({
    listen: true,
    env: { DENO_ENV: "development" },
  });
  try {
    const routes = staffRoutes();
    assert(routes.length >= 25, `only ${routes.length} staff routes found`);
    const origin = portal.url;
    const same = { "sec-fetch-site": "same-origin", origin };

    // No session: every non-public route sends the browser to the sign-in page.
    for (const r of routes) {
      if (STAFF_PUBLIC_ROUTES.has(r.pattern)) continue;
      for (const method of r.methods) {
        const res = await fetch(origin + r.path, { method, headers: same, redirect: "manual" });
        await res.body?.cancel();
        assert.equal(res.status, 303, `${method} ${r.path} without a session`);
        assert.match(res.headers.get("location") ?? "", /^\/staff\/signin/);
        assert.equal(res.headers.get("cache-control"), "no-store");
      }
    }

    // The developer sign-in (an admin of the demo org).
    const signIn = await fetch(origin + "/staff/dev-signin", {
      method: "POST",
      headers: { ...same, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ org: DEMO_ORG.slug, role: "admin", return_to: "/staff/tickets" }),
      redirect: "manual",
    });
    await signIn.body?.cancel();
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.getSetCookie()[0].split(";")[0];

    for (const r of routes) {
      for (const method of r.methods) {
        const res = await fetch(origin + r.path, {
          method,
          headers: {
            ...same,
            cookie,
            ...(method === "GET" ? {} : { "content-type": "application/x-www-form-urlencoded" }),
          },
          body: method === "GET" ? undefined : "x=1",
          redirect: "manual",
        });
        const body = await res.text();
        assert(res.status < 500, `${method} ${r.path}: ${res.status} ${body.slice(0, 300)}`);
        assert.equal(res.headers.get("cache-control"), "no-store", `${method} ${r.path}`);
        if (method === "GET" && !r.path.includes("unknown") && !r.path.includes("T-000000")) {
          if (
            !STAFF_PUBLIC_ROUTES.has(r.pattern) && r.pattern !== "/staff" &&
            !r.pattern.endsWith("/links")
          ) {
            assert.equal(res.status, 200, `${method} ${r.path}: ${body.slice(0, 300)}`);
            assert.match(body, /signout/, `${r.path} has the sign-out control`);
          }
        }
        if (method !== "GET" && !STAFF_PUBLIC_ROUTES.has(r.pattern)) {
          assert.equal(res.status, 403, `${method} ${r.path} without a CSRF token`);
        }
      }
    }
  } finally {
    await portal.close();
  }
});
