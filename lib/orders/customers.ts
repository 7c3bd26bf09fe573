/** Customers of an org, and their visits through links (keys in `keys.ts`). */
import { ConflictError, InvalidInputError } from "@/lib/errors.ts";
import type { Customer } from "./model.ts";
import type { CustomerInput } from "./input.ts";
import { MAX_ATTEMPTS } from "./atomic.ts";
import { keys } from "./keys.ts";

const ONE_HOUR = 60 * 60 * 1000;

/** An order or link names a customer the org does not have: a 422 on `customer_ref`. */
export class UnknownCustomerError extends InvalidInputError {
  constructor(readonly detail: string) {
    super({ customer_ref: [detail] });
  }
}

/**
 * Creates or replaces a customer (PUT semantics: an omitted phone is removed; an omitted
 * locale keeps the stored one, "en" for a new customer).
 * `await upsertCustomer(kv, "acme", "CUST-RS-2026-045", {name, email}, new Date())`
 */
export async function upsertCustomer(
  kv: Deno.Kv,
  org: string,
  ref: string,
  input: CustomerInput,
  now: Date,
): Promise<{ customer: Customer; created: boolean }> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const prev = await kv.get<Customer>(keys.customer(org, ref));
    const p = prev.value;
    const customer: Customer = {
      org,
      ref,
      name: input.name,
      email: input.email,
      ...(input.phone ? { phone: input.phone } : {}),
      locale: input.locale ?? p?.locale ?? "en",
      ...(p?.last_visit_at ? { last_visit_at: p.last_visit_at } : {}),
      created_at: p?.created_at ?? now.toISOString(),
      updated_at: now.toISOString(),
    };
    const res = await kv.atomic().check(prev).set(keys.customer(org, ref), customer).commit();
    if (res.ok) return { customer, created: p === null };
  }
  throw new ConflictError("The customer is being changed concurrently.");
}

export async function getCustomer(kv: Deno.Kv, org: string, ref: string): Promise<Customer | null> {
  return (await kv.get<Customer>(keys.customer(org, ref))).value;
}

/**
 * Notes a visit through a link and returns the PREVIOUS visit time (the dashboard's "Last
 * login"), or null on a first visit. Writes at most once an hour per customer, so page
 * views stay read-only apart from the rate limit; a lost race is simply skipped.
 */
export async function recordVisit(
  kv: Deno.Kv,
  org: string,
  ref: string,
  now: Date,
): Promise<string | null> {
  const entry = await kv.get<Customer>(keys.customer(org, ref));
  if (!entry.value) return null;
  const previous = entry.value.last_visit_at ?? null;
  if (previous === null || now.getTime() - Date.parse(previous) >= ONE_HOUR) {
    await kv.atomic().check(entry)
      .set(keys.customer(org, ref), { ...entry.value, last_visit_at: now.toISOString() })
      .commit();
  }
  return previous;
}

/** How many customers a search looks through (a console search, not a report). */
export const SEARCH_SCAN_LIMIT = 5000;

/**
 * An org's customers whose reference, name or email contains `query` (any case), or whose
 * order has that number; without a query, the first ones by reference. At most `limit`.
 * `await searchCustomers(kv, "acme", { query: "retail" })`
 */
export async function searchCustomers(
  kv: Deno.Kv,
  org: string,
  opts: { query?: string; limit?: number } = {},
): Promise<{ customers: Customer[]; truncated: boolean }> {
  const limit = Math.max(1, Math.min(200, opts.limit ?? 50));
  const q = opts.query?.trim().toLowerCase() ?? "";
  const out: Customer[] = [];
  const seen = new Set<string>();
  if (q) {
    const owner = (await kv.get<string>(keys.owner(org, opts.query!.trim()))).value;
    const c = owner ? await getCustomer(kv, org, owner) : null;
    if (c) {
      out.push(c);
      seen.add(c.ref);
    }
  }
  let scanned = 0;
  for await (
    const e of kv.list<Customer>({ prefix: keys.orgCustomers(org) }, { limit: SEARCH_SCAN_LIMIT })
  ) {
    scanned++;
    const c = e.value;
    if (seen.has(c.ref)) continue;
    const hit = !q || [c.ref, c.name, c.email].some((v) => v.toLowerCase().includes(q));
    if (!hit) continue;
    out.push(c);
    if (out.length >= limit) return { customers: out, truncated: true };
  }
  return { customers: out, truncated: scanned >= SEARCH_SCAN_LIMIT };
}
