import assert from "node:assert/strict";
import fc from "fast-check";
import { flushLog, formatEntry, redactSecrets, setLogSink } from "@/lib/log.ts";
import { log } from "@/lib/log.ts";

const tokenish = fc.oneof(
  fc.string(),
  fc.string().map((s) => `see /customer/mpl_${s}abc`),
  fc.string().map((s) => `mpk_${encodeURIComponent(s)}x%2Fy`),
  fc.constantFrom("\u2028", "\u0085", "line\nbreak", '"quoted"', "back\\slash"),
);

Deno.test("a flat line reads as the value-by-value redaction would, separators escaped", () => {
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom("a", "route", "client", "ms"),
        fc.oneof(tokenish, fc.integer()),
      ),
      (fields) => {
        const line = formatEntry(fields);
        assert.doesNotMatch(line, /[\u0085\u2028\u2029\n]/);
        const parsed = JSON.parse(line);
        for (const [k, v] of Object.entries(fields)) {
          assert.deepEqual(parsed[k], typeof v === "string" ? redactSecrets(v) : v);
        }
      },
    ),
  );
});

Deno.test("lines reach the sink in order, and flushLog empties the batch", () => {
  const seen: string[] = [];
  setLogSink((l) => seen.push(l));
  try {
    log.info("one", { n: 1 });
    log.info("two", { err: new Error("boom") });
    assert.deepEqual(seen.map((l) => JSON.parse(l).msg), ["one", "two"]);
    assert.equal(JSON.parse(seen[1]).err.message, "boom");
  } finally {
    setLogSink(null);
    flushLog();
  }
});
