/** The KV queue over a real `:memory:` KV: dedup, retries, dead letters, redelivery. */
import { z } from "zod";
import { loadConfig } from "@/lib/config.ts";
import { deleteDeadLetter } from "@/lib/queue/dead_letters.ts";
import {
  enqueue,
  enqueueInAtomic,
  handleQueueMessage,
  listDeadLetters,
  observeRetries,
  PermanentError,
  type QueueMessage,
  registerQueueHandler,
  RetryableError,
  startQueueListener,
  waitForQueueIdle,
} from "@/lib/queue/queue.ts";
import { setLogSink } from "@/lib/log.ts";
import { type Services, systemClock } from "@/lib/services.ts";
import { assert, assertEquals, assertMatch } from "@/tests/helpers/assert.ts";

// Queue warnings are expected here; keep the test output readable.
setLogSink(() => {});

async function withQueue(fn: (services: Services) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  const services: Services = {
    kv,
    config: loadConfig({ DENO_ENV: "test", KV_PATH: ":memory:" }),
    clock: systemClock,
  };
  const listener = startQueueListener(services, {
    retry: { retryDelaysMs: [1, 1, 1], jitter: 0 },
  });
  try {
    await fn(services);
  } finally {
    observeRetries(undefined);
    kv.close();
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
    assertEquals(a.enqueued, true);
    assertEquals(b.enqueued, false);
    assertEquals(b.id, a.id, "the duplicate reports the first message's id");
    assertEquals(seen, [{ n: 1 }]);
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
    assertEquals(results.filter((r) => r.enqueued).length, 1);
    assertEquals(new Set(results.map((r) => r.id)).size, 1);
    assertEquals(calls, 1);
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
    assertEquals(attempts, [1, 2, 3]);
    assertEquals((await listDeadLetters(services.kv)).dead_letters.length, 0);
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
    assertEquals(calls, 8, "4 attempts for each of the 2 messages");

    const all = await listDeadLetters(services.kv);
    assertEquals(all.dead_letters.length, 2);
    assertEquals(all.dead_letters[1].id, id, "newest first");

    const acme = await listDeadLetters(services.kv, { org: "acme" });
    assertEquals(acme.dead_letters.length, 1);
    const d = acme.dead_letters[0];
    assertEquals([d.id, d.type, d.org, d.attempt], [id, "test.always_fails", "acme", 4]);
    assertMatch(d.error, /receiver down/);
    assertMatch(d.failed_at, /^\d{4}-\d\d-\d\dT/);
    assertEquals(JSON.stringify(d.payload).includes("s3"), false, "redacted");

    assertEquals(await deleteDeadLetter(services.kv, id), true);
    assertEquals((await listDeadLetters(services.kv, { org: "acme" })).dead_letters.length, 0);
    assertEquals((await listDeadLetters(services.kv)).dead_letters.length, 1);
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
    assertEquals(calls, 1, "the schema handler never ran");
    const { dead_letters } = await listDeadLetters(services.kv);
    assertEquals(dead_letters.map((d) => [d.type, d.attempt]), [
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
    assertEquals(delays, [40]);
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
    assertEquals(attempts, [1, 1, 2], "one retry, not two");
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
    assertMatch(byType["test.nobody_handles_this"].error, /No handler/);
    assertEquals(byType["test.crashy"].org, "acme");
    assertEquals(byType["test.crashy"].payload, null, "raw payload not shown");
    assertMatch(byType["test.crashy"].error, /stopped redelivering/);
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
    assertEquals(seen, [4, 3, 2, 1, 0]);
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
    assertEquals((await failing.commit()).ok, false);

    const op = services.kv.atomic().set(["thing", 2], "created");
    const msg = enqueueInAtomic(services, op, "test.in_atomic", { n: "sent", org: "acme" });
    assertEquals((await op.commit()).ok, true);
    await waitForQueueIdle();
    assertEquals(seen, [{ n: "sent", org: "acme" }]);
    assertEquals([msg.type, msg.attempt], ["test.in_atomic", 1]);
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
    assertEquals(order.sort(), ["later", "now"]);

    let threw = false;
    try {
      await enqueue(services, "test.delayed", { blob: "x".repeat(70_000) });
    } catch (err) {
      threw = (err as Error).message.includes("limit");
    }
    assert(threw, "oversized message refused");
  });
});
