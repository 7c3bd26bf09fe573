/** Orgs: the manufacturers whose customers use the portal (keys in `keys.ts`). */
import { ConflictError } from "@/lib/errors.ts";
import type { Org } from "./model.ts";
import type { OrgInput } from "./input.ts";
import { MAX_ATTEMPTS } from "./atomic.ts";
import { keys } from "./keys.ts";

/** `org create` with a slug that is taken. */
export class OrgExistsError extends ConflictError {}

/** Creates an org; throws OrgExistsError when the slug is taken. `createOrg(kv, {slug: "acme", ...}, new Date())` */
export async function createOrg(kv: Deno.Kv, input: OrgInput, now: Date): Promise<Org> {
  const org: Org = { ...input, created_at: now.toISOString() };
  const res = await kv.atomic().check({ key: keys.org(input.slug), versionstamp: null })
    .set(keys.org(input.slug), org).commit();
  if (!res.ok) throw new OrgExistsError(`The org "${input.slug}" already exists.`);
  return org;
}

/** Creates or updates an org's name and support contact. */
export async function upsertOrg(
  kv: Deno.Kv,
  input: OrgInput,
  now: Date,
): Promise<{ org: Org; created: boolean }> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const prev = await kv.get<Org>(keys.org(input.slug));
    const org: Org = { ...input, created_at: prev.value?.created_at ?? now.toISOString() };
    const res = await kv.atomic().check(prev).set(keys.org(input.slug), org).commit();
    if (res.ok) return { org, created: prev.value === null };
  }
  throw new ConflictError("The org is being changed concurrently.");
}

/** `await getOrg(kv, "acme")` → Org | null */
export async function getOrg(kv: Deno.Kv, slug: string): Promise<Org | null> {
  return (await kv.get<Org>(keys.org(slug))).value;
}

/** True when at least one org exists (the demo seed only runs on an empty database). */
export async function hasAnyOrg(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: keys.orgs() }, { limit: 1 })) return true;
  return false;
}

/** The orgs, by slug (at most `limit`): the local developer sign-in's choice. */
export async function listOrgs(kv: Deno.Kv, limit = 100): Promise<Org[]> {
  const out: Org[] = [];
  for await (const e of kv.list<Org>({ prefix: keys.orgs() }, { limit })) out.push(e.value);
  return out;
}
