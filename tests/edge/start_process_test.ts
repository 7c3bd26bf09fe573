/**
 * Issue 10.2 and 10.3, on the started process (`main.ts` in a built copy of the project):
 *
 * - production (DENO_ENV=production, or Deno Deploy's DENO_DEPLOYMENT_ID) seeds no demo and
 *   prints no live link unless SEED_DEMO=1 says so; the bare `deno task start` still seeds
 *   and prints the demo link, as the contract says;
 * - hostile requests (tokens in unmatched paths followed by `>` or `,`, NUL and CRLF
 *   escapes, control characters, a forged JSON line) leave no token in any line the process
 *   writes, and every line is one JSON object of the one logger.
 */
import assert from "node:assert/strict";
import { hasData, startPortal } from "@/tests/edge/process_helpers.ts";
import { tcpRequest } from "@/tests/helpers/wire.ts";

const DEMO_LINE = /^Demo data loaded\. Open the demo customer's portal:$/;
const TOKEN = /mpl_[A-Za-z0-9_-]{20,}/;

for (
  const [label, env] of [
    ["DENO_ENV=production", { DENO_ENV: "production" }],
    ["Deno Deploy (DENO_DEPLOYMENT_ID, DENO_ENV unset)", { DENO_DEPLOYMENT_ID: "dep-123" }],
  ] as const
) {
  Deno.test({
    name: `${label}: no demo, no link printed; SEED_DEMO=1 seeds it`,
    sanitizeResources: false,
    fn: async () => {
      const portal = await startPortal(env);
      const health = await fetch(portal.url + "/healthz");
      assert.equal(health.status, 200);
      await health.body?.cancel();
      // The seed would run right after listening: give it the time it takes in development.
      await new Promise((r) => setTimeout(r, 500));
      const { code, stderr } = await portal.stop();
      assert.equal(code, 0);
      const out = portal.output() + stderr;
      assert.doesNotMatch(out, /mpl_/, "no token, not even a redacted one");
      assert.doesNotMatch(out, /Demo data loaded/);
      assert.equal(await hasData(portal.kvPath), false, "nothing seeded");
      for (const line of out.trim().split("\n")) JSON.parse(line);

      const seeded = await startPortal({ ...env, SEED_DEMO: "1" });
      try {
        const link = await seeded.demoLink();
        const page = await fetch(link);
        assert.equal(page.status, 200, "the operator asked for the demo: its link works");
        await page.body?.cancel();
      } finally {
        await seeded.stop();
      }
      assert.equal(await hasData(seeded.kvPath), true);
    },
  });
}

Deno.test({
  name: "`deno task start` with no configuration seeds the demo and prints its link",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({});
    try {
      const link = await portal.demoLink();
      assert.match(portal.output(), /"environment":"development"/);
      const page = await fetch(link);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Retail Store Co\./);
    } finally {
      await portal.stop();
    }
  },
});

/** Every request of `hostile(token)` on its own connection, as written. */
async function sendAll(port: number, heads: string[]) {
  for (const head of heads) {
    const { text } = await tcpRequest(port, head, [], { timeoutMs: 3000 });
    assert.match(text, /^HTTP\/1\.1 \d{3} /, `answered: ${JSON.stringify(head.slice(0, 80))}`);
  }
}

Deno.test({
  name: "hostile paths and headers: no token and no forged line in anything the process writes",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({ SEED_DEMO: "1" });
    const link = new URL(await portal.demoLink());
    const token = link.pathname.split("/")[2];
    const secret = token.slice(4); // what identifies it, whatever prefix or escape precedes it
    const pct = [...token].map((c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(
      "",
    );
    const forged = '{"t":"2026-01-01T00:00:00.000Z","level":"error","msg":"forged"}';
    const paths = [
      `/nothing/${token}>`,
      `/nothing/${token},x`,
      `/x,${token},y`,
      `/customer/${token}>`,
      `/customer/${token}/x%00.pdf`,
      `/customer/${token}/orders/%00`,
      `/styles.css/${token}.js`,
      `/static/${token}%0d%0a${encodeURIComponent(forged)}`,
      `/${token}%0a${encodeURIComponent(forged)}`,
      `/api/portal/customer/${token}>/orders`,
      `/api/portal/customer/${pct}/orders`,
      `/nothing/${pct}`,
      `/api/nothing?token=${token}`,
      `/customer/${token}%E2%80%A8${encodeURIComponent(forged)}`,
      `/customer/${token}%C2%85x`,
    ];
    const port = Number(new URL(portal.url).port);
    const heads = paths.map((p) =>
      `GET ${p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`
    );
    heads.push(
      // A raw CR/LF or control character in the path or a header: Deno refuses it itself.
      `GET /customer/${token}\r\n${forged}\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      `GET /customer/${token}\x01\x1b[31m HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Note: ${token}\x00\x07\r\nConnection: close\r\n\r\n`,
      // Headers that are logged or decide something, carrying the token.
      `GET /nothing HTTP/1.1\r\nHost: ${token}\r\nX-Forwarded-For: ${token}, 1.2.3.4\r\n` +
        `User-Agent: ${token}\r\nReferer: http://x/${token}\r\nConnection: close\r\n\r\n`,
      `POST /api/portal/customer/${token}/orders/x/report-issue HTTP/1.1\r\nHost: localhost\r\n` +
        `Content-Type: application/json\r\nContent-Length: 20\r\nConnection: close\r\n\r\n` +
        `{"a":"${token.slice(0, 10)}`,
    );
    await sendAll(port, heads);
    const { code, stderr } = await portal.stop();
    assert.equal(code, 0);
    assert.equal(stderr, "", "nothing bypasses the logger onto stderr");

    const lines = portal.output().trimEnd().split("\n");
    // The contract's demo link (the two terminal lines after the log's "listening").
    const demo = lines.findIndex((l) => DEMO_LINE.test(l));
    assert.notEqual(demo, -1);
    assert.equal(lines[demo + 1].trim(), link.href);
    const logLines = lines.filter((_, i) => i !== demo && i !== demo + 1);
    for (const line of logLines) {
      const entry = JSON.parse(line); // one JSON object per line, or this throws
      assert.equal(typeof entry, "object");
      assert.notEqual(entry.msg, "forged", line);
      assert(!line.includes(secret), `token in: ${line}`);
      assert(!line.toLowerCase().includes(pct.slice(12).toLowerCase()), `escaped token: ${line}`);
      assert.doesNotMatch(line, TOKEN, line);
      // deno-lint-ignore no-control-regex -- the point: no raw control character in a line
      assert.doesNotMatch(line, /[\u0000-\u001f\u0085\u2028\u2029]/, "no raw control character");
    }
    assert(logLines.length >= heads.length, `a line per request (${logLines.length})`);
  },
});
