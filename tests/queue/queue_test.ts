/** The KV queue over a real `:memory:` KV: dedup, retries, dead letters, redelivery. */
import { z } from "zod";
import { deleteDeadLetter } from "@/lib/queue/dead_letters.ts";
import {
  enqueue,
  enqueueInAtomic,
  handleQueueMessage,
  listDeadLetters,
  PermanentError,
  type QueueMessage,
  registerQueueHandler,
  RetryableError,
  startQueueListener,
} from "@/lib/queue/queue.ts";
import { makeTestServices, observeRetries, waitForQueueIdle } from "@/tests/helpers/services.ts";
import { setLogSink } from "@/lib/log.ts";
import type { Services } from "@/lib/services.ts";
import assert from "node:assert/strict";

// Queue warnings are expected here; keep the test output readable.
setLogSink(() => {});

async function withQueue(fn: (services: Services) => Promise<void>) {
  const services = await makeTestServices();
  const listener = startQueueListener(services, {
    retry: { retryDelaysMs: [1, 1, 1], jitter: 0 },
  });
  try {
    await fn(services);
  } finally {
    observeRetries(undefined);
    services.close();
    await listener;
  }
}

Deno.test("enqueue with the same key twice delivers one message", async () => {
  await withQueue(async (services) => {
    const seen: unknown[] = [];
    registerQueueHandler("test.dedup", (payload) => {
      seen.push(payload);
      return Promise.resolve();
    });
    const a = await enqueue(services, "test.dedup", { n: 1 }, { key: "k1" });
    const b = await enqueue(services, "test.dedup", { n: 2 }, { key: "k1" });
    await waitForQueueIdle();
    assert.deepEqual(a.enqueued, true);
    assert.deepEqual(b.enqueued, false);
    assert.deepEqual(b.id, a.id, "the duplicate reports the first message's id");
    assert.deepEqual(seen, [{ n: 1 }]);
  });
});

Deno.test("concurrent enqueues with one key: exactly one wins", async () => {
  await withQueue(async (services) => {
    let calls = 0;
    registerQueueHandler("test.race", () => {
      calls++;
      return Promise.resolve();
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => enqueue(services, "test.race", { i }, { key: "same" })),
    );
    await waitForQueueIdle();
    assert.deepEqual(results.filter((r) => r.enqueued).length, 1);
    assert.deepEqual(new Set(results.map((r) => r.id)).size, 1);
    assert.deepEqual(calls, 1);
  });
});

Deno.test("a failing handler is retried with attempt + 1 until it succeeds", async () => {
  await withQueue(async (services) => {
    const attempts: number[] = [];
    registerQueueHandler("test.flaky", (_p, _s, meta) => {
      attempts.push(meta.attempt);
      if (meta.attempt < 3) throw new Error(`boom ${meta.attempt}`);
      return Promise.resolve();
    });
    await enqueue(services, "test.flaky", { org: "acme" });
    await waitForQueueIdle();
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual((await listDeadLetters(services.kv)).dead_letters.length, 0);
  });
});

Deno.test("after the last attempt the message is a dead letter, scoped by org", async () => {
  await withQueue(async (services) => {
    let calls = 0;
    registerQueueHandler("test.always_fails", () => {
      calls++;
      throw new Error("receiver down");
    }, { redactForDeadLetter: (p) => ({ ...(p as object), secret: undefined }) });
    const { id } = await enqueue(services, "test.always_fails", { org: "acme", secret: "s3" });
    await enqueue(services, "test.always_fails", { org: "globex" });
    await waitForQueueIdle();
    assert.deepEqual(calls, 8, "4 attempts for each of the 2 messages");

    const all = await listDeadLetters(services.kv);
    assert.deepEqual(all.dead_letters.length, 2);
    assert.deepEqual(all.dead_letters[1].id, id, "newest first");

    const acme = await listDeadLetters(services.kv, { org: "acme" });
    assert.deepEqual(acme.dead_letters.length, 1);
    const d = acme.dead_letters[0];
    assert.deepEqual([d.id, d.type, d.org, d.attempt], [id, "test.always_fails", "acme", 4]);
    assert.match(d.error, /receiver down/);
    assert.match(d.failed_at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(JSON.stringify(d.payload).includes("s3"), false, "redacted");

    assert.deepEqual(await deleteDeadLetter(services.kv, id), true);
    assert.deepEqual((await listDeadLetters(services.kv, { org: "acme" })).dead_letters.length, 0);
    assert.deepEqual((await listDeadLetters(services.kv)).dead_letters.length, 1);
  });
});

Deno.test("a permanent failure or an invalid payload is dead-lettered without retries", async () => {
  await withQueue(async (services) => {
    let calls = 0;
    registerQueueHandler("test.permanent", () => {
      calls++;
      throw new PermanentError("422 rejected");
    });
    registerQueueHandler("test.schema", () => {
      calls++;
      return Promise.resolve();
    }, { schema: z.object({ n: z.number() }) });
    await enqueue(services, "test.permanent", {});
    await enqueue(services, "test.schema", { n: "not a number" });
    await waitForQueueIdle();
    assert.deepEqual(calls, 1, "the schema handler never ran");
    const { dead_letters } = await listDeadLetters(services.kv);
    assert.deepEqual(dead_letters.map((d) => [d.type, d.attempt]), [
      ["test.schema", 1],
      ["test.permanent", 1],
    ]);
  });
});

Deno.test("Retry-After is a lower bound for the retry delay", async () => {
  await withQueue(async (services) => {
    const delays: number[] = [];
    observeRetries((e) => delays.push(e.delayMs));
    registerQueueHandler("test.ratelimited", (_p, _s, meta) => {
      if (meta.attempt === 1) throw new RetryableError("429", 40);
      return Promise.resolve();
    });
    await enqueue(services, "test.ratelimited", {});
    await waitForQueueIdle();
    assert.deepEqual(delays, [40]);
  });
});

Deno.test("a redelivered failing message does not fork its retry chain", async () => {
  await withQueue(async (services) => {
    const attempts: number[] = [];
    registerQueueHandler("test.redelivered", (_p, _s, meta) => {
      attempts.push(meta.attempt);
      if (meta.attempt === 1) throw new Error("first attempt fails");
      return Promise.resolve();
    });
    const msg: QueueMessage = { type: "test.redelivered", id: "m1", payload: {}, attempt: 1 };
    // KV delivers the same message twice (lost ack): both deliveries fail.
    await handleQueueMessage(services, msg);
    await handleQueueMessage(services, msg);
    await waitForQueueIdle();
    assert.deepEqual(attempts, [1, 1, 2], "one retry, not two");
  });
});

Deno.test("malformed messages, unknown types and KV's undelivered copies become dead letters", async () => {
  await withQueue(async (services) => {
    await handleQueueMessage(services, { hello: "world" });
    await enqueue(services, "test.nobody_handles_this", { org: "acme" });
    await waitForQueueIdle();
    // What KV writes at keysIfUndelivered when it gives up: the raw message.
    await services.kv.set(["dead_letter", "zzzzzzzzzzzzzzzzzzzzzzz"], {
      type: "test.crashy",
      id: "zzzzzzzzzzzzzzzzzzzzzzz",
      payload: { org: "acme", secret: "x" },
      attempt: 2,
    });
    const { dead_letters } = await listDeadLetters(services.kv);
    const byType = Object.fromEntries(dead_letters.map((d) => [d.type, d]));
    assert(byType.malformed, "malformed message kept");
    assert.match(byType["test.nobody_handles_this"].error, /No handler/);
    assert.deepEqual(byType["test.crashy"].org, "acme");
    assert.deepEqual(byType["test.crashy"].payload, null, "raw payload not shown");
    assert.match(byType["test.crashy"].error, /stopped redelivering/);
  });
});

Deno.test("dead letters page by cursor", async () => {
  await withQueue(async (services) => {
    registerQueueHandler("test.paged", () => {
      throw new PermanentError("no");
    });
    for (let i = 0; i < 5; i++) await enqueue(services, "test.paged", { org: "acme", i });
    await waitForQueueIdle();
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDeadLetters(services.kv, { org: "acme", limit: 2, cursor });
      seen.push(...page.dead_letters.map((d) => (d.payload as { i: number }).i));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [4, 3, 2, 1, 0]);
  });
});

Deno.test("enqueueInAtomic: the message goes out only if the caller's operation commits", async () => {
  await withQueue(async (services) => {
    const seen: unknown[] = [];
    registerQueueHandler("test.in_atomic", (p) => {
      seen.push(p);
      return Promise.resolve();
    });
    await services.kv.set(["thing", 1], "exists");
    const failing = services.kv.atomic().check({ key: ["thing", 1], versionstamp: null });
    enqueueInAtomic(services, failing, "test.in_atomic", { n: "lost" });
    assert.deepEqual((await failing.commit()).ok, false);

    const op = services.kv.atomic().set(["thing", 2], "created");
    const msg = enqueueInAtomic(services, op, "test.in_atomic", { n: "sent", org: "acme" });
    assert.deepEqual((await op.commit()).ok, true);
    await waitForQueueIdle();
    assert.deepEqual(seen, [{ n: "sent", org: "acme" }]);
    assert.deepEqual([msg.type, msg.attempt], ["test.in_atomic", 1]);
  });
});

Deno.test("a delayed message is delivered and awaited; an oversized message is refused at enqueue", async () => {
  await withQueue(async (services) => {
    const order: string[] = [];
    registerQueueHandler("test.delayed", (p) => {
      order.push((p as { name: string }).name);
      return Promise.resolve();
    });
    await enqueue(services, "test.delayed", { name: "later" }, { delayMs: 200 });
    await enqueue(services, "test.delayed", { name: "now" });
    await waitForQueueIdle();
    // Both arrive, and waitForQueueIdle waited for the delayed one (no timing asserted).
    assert.deepEqual(order.sort(), ["later", "now"]);

    let threw = false;
    try {
      await enqueue(services, "test.delayed", { blob: "x".repeat(70_000) });
    } catch (err) {
      threw = (err as Error).message.includes("limit");
    }
    assert(threw, "oversized message refused");
  });
});
