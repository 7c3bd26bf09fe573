/**
 * The demo seed of `deno task start`: on an empty database, the wireframes' org, customer,
 * orders and shipments, and a magic link for that customer. A database that already holds
 * an org is left alone (so a restart, or a second process racing this one, is a no-op).
 */
import type { Services } from "@/lib/services.ts";
import { recordVisit, upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg, hasAnyOrg, OrgExistsError } from "@/lib/orders/orgs.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import { DEMO_CUSTOMER, DEMO_ORDERS, DEMO_ORG } from "./demo_data.ts";
import { createLink } from "@/lib/access/tokens.ts";

/**
 * Loads the demo data; true when it did, false when the database already had an org.
 * `await seedDemoData(services)`
 */
export async function seedDemoData(services: Services): Promise<boolean> {
  const { kv } = services;
  const now = services.clock.now();
  if (await hasAnyOrg(kv)) return false;
  try {
    await createOrg(kv, DEMO_ORG, now);
  } catch (err) {
    if (err instanceof OrgExistsError) return false;
    throw err;
  }
  const { ref, ...customer } = DEMO_CUSTOMER;
  await upsertCustomer(kv, DEMO_ORG.slug, ref, customer, now);
  // The wireframe's "Last login: 30m ago".
  await recordVisit(kv, DEMO_ORG.slug, ref, new Date(now.getTime() - 30 * 60_000));
  for (const o of DEMO_ORDERS) {
    await upsertOrder(kv, DEMO_ORG.slug, o.number, o.input, now);
    for (const s of o.shipments) {
      await upsertShipment(kv, DEMO_ORG.slug, o.number, s.tracking_number, s.input, now);
      await applyTrackingUpdate(kv, DEMO_ORG.slug, o.number, s.tracking_number, {
        status: s.status,
        events: s.events,
        ...(s.input.estimated_delivery ? { estimated_delivery: s.input.estimated_delivery } : {}),
        last_refreshed_at: now.toISOString(),
      });
    }
  }
  return true;
}

/**
 * `deno task start`'s seed: loads the demo on an empty database and returns a magic link
 * for the demo customer, or null when the database already had data.
 * `const url = await seedDemo(services); if (url) console.log(url);`
 */
export async function seedDemo(services: Services): Promise<string | null> {
  if (!(await seedDemoData(services))) return null;
  const { url } = await createLink(services, DEMO_ORG.slug, DEMO_CUSTOMER.ref, {
    source: "demo_seed",
    createdBy: { kind: "system" },
  });
  return url;
}
