/**
 * CSRF protection for state-changing staff requests: the session's synchronizer token (form
 * field or header) and the browser's Sec-Fetch-Site / Origin, each enough to refuse.
 */
import { changesState, CSRF_FIELD, CSRF_HEADER, verifyCsrf } from "@/lib/http/csrf.ts";
import { problemOf } from "@/lib/http/errors.ts";
import { ownOrigins } from "@/lib/http/origin.ts";
import assert from "node:assert/strict";

const TOKEN = "tZ2mQ4b7c8dE9fG0hI1jK2lM3nO4pQ5rS6tU7vW8xY9";
const own = ownOrigins(new URL("https://portal.example/staff/tickets"), "https://portal.example");

function post(headers: Record<string, string>) {
  return new Request("https://portal.example/staff/tickets/TKT-2026-000001/status", {
    method: "POST",
    headers,
  });
}

function status(fn: () => void): number {
  try {
    fn();
    return 200;
  } catch (err) {
    const problem = problemOf(err);
    assert(problem, `not a client error: ${err}`);
    assert.deepEqual(problem.code, "forbidden");
    return problem.status;
  }
}

Deno.test("CSRF: the session's token in the form or the header, from our own pages", () => {
  const sameOrigin = { "sec-fetch-site": "same-origin", origin: "https://portal.example" };
  assert.deepEqual(
    status(() => verifyCsrf(post(sameOrigin), TOKEN, { ownOrigins: own, formToken: TOKEN })),
    200,
  );
  assert.deepEqual(
    status(() =>
      verifyCsrf(post({ ...sameOrigin, [CSRF_HEADER]: TOKEN }), TOKEN, { ownOrigins: own })
    ),
    200,
  );
  // No fetch metadata at all (curl, old browsers): the token alone decides.
  assert.deepEqual(
    status(() => verifyCsrf(post({}), TOKEN, { ownOrigins: own, formToken: TOKEN })),
    200,
  );
  assert.deepEqual(CSRF_FIELD, "_csrf");
});

Deno.test("CSRF: refused without the token, with another token, or from another site", () => {
  const sameOrigin = { "sec-fetch-site": "same-origin" };
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [sameOrigin, undefined],
    [sameOrigin, ""],
    [sameOrigin, TOKEN.slice(0, -1)],
    [sameOrigin, TOKEN + "x"],
    [sameOrigin, TOKEN.replace("t", "T")],
    [{ "sec-fetch-site": "cross-site" }, TOKEN],
    [{ "sec-fetch-site": "same-site" }, TOKEN],
    [{ origin: "https://evil.example" }, TOKEN],
    [{ "sec-fetch-site": "same-origin", origin: "https://evil.example" }, TOKEN],
  ];
  for (const [headers, formToken] of cases) {
    assert.deepEqual(
      status(() => verifyCsrf(post(headers), TOKEN, { ownOrigins: own, formToken })),
      403,
      JSON.stringify([headers, formToken]),
    );
  }
  // A session without a token (never the case) refuses everything.
  assert.deepEqual(
    status(() => verifyCsrf(post(sameOrigin), "", { ownOrigins: own, formToken: "" })),
    403,
  );
});

Deno.test("CSRF: which methods change state", () => {
  for (const m of ["POST", "PUT", "PATCH", "DELETE", "post"]) {
    assert.deepEqual(changesState(m), true, m);
  }
  for (const m of ["GET", "HEAD", "OPTIONS"]) assert.deepEqual(changesState(m), false, m);
});
