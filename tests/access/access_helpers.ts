/** Test services for the access tests, orgs and customers, and a KV that counts reads. */
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { createOrg } from "@/lib/orders/orgs.ts";
import { makeTestServices, TestClock, type TestServices } from "@/tests/helpers/services.ts";

export const T0 = new Date("2026-01-16T12:00:00Z");
export const DAY = 24 * 60 * 60 * 1000;

export type AccessFixture = TestServices;

/** Services at T0 whose links point at https://portal.example. */
export function openServices(
  opts: { kvPath?: string; env?: Record<string, string> } = {},
): Promise<AccessFixture> {
  return makeTestServices({
    ...opts,
    clock: new TestClock(new Date(T0)),
    publicBaseUrl: "https://portal.example",
  });
}

export async function seedOrg(kv: Deno.Kv, slug: string, refs: string[]): Promise<void> {
  await createOrg(kv, {
    slug,
    name: `${slug.toUpperCase()} Manufacturing`,
    support_email: `sales@${slug}.example`,
    support_phone: "(555) 123-4567",
  }, T0);
  for (const ref of refs) {
    await upsertCustomer(kv, slug, ref, {
      name: `Customer ${ref}`,
      email: `${ref.toLowerCase()}@example.com`,
      locale: "en",
    }, T0);
  }
}

/** A KV handle whose every operation is counted (reads, lists, atomic writes, sets). */
export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; calls: () => number } {
  let n = 0;
  const counted = new Set(["get", "getMany", "list", "atomic", "set", "delete", "enqueue"]);
  const proxy = new Proxy(kv, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        if (counted.has(String(prop))) n++;
        return v.apply(target, args);
      };
    },
  });
  return { kv: proxy, calls: () => n };
}

/** Every key and value in KV, as text, to prove a secret never appears at rest. */
export async function dumpKv(kv: Deno.Kv): Promise<string> {
  const parts: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    parts.push(
      JSON.stringify(e.key, (_k, x) => typeof x === "bigint" ? String(x) : x),
      JSON.stringify(e.value, (_k, x) => {
        if (typeof x === "bigint") return String(x);
        if (x instanceof Uint8Array) return new TextDecoder().decode(x);
        return x;
      }),
    );
  }
  return parts.join("\n");
}
