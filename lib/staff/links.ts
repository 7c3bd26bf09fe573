/**
 * Customer links from the staff console: create one (shown once) or send one by email,
 * revoke one or all. Each needs `links.manage` (support, admin), works in the actor's org
 * only, and writes its audit entry in the link's own atomic operation.
 */
import { z } from "zod";
import { LinkRecipientFields } from "@/lib/access/link_input.ts";
import {
  type CreatedLink,
  createLink,
  type LinkView,
  listLinks,
  revokeLink,
  revokeLinks,
} from "@/lib/access/tokens.ts";
import { NotFoundError, parseInput } from "@/lib/errors.ts";
import { getCustomer } from "@/lib/orders/customers.ts";
import type { Customer } from "@/lib/orders/model.ts";
import { listOrders } from "@/lib/orders/orders.ts";
import type { OrderSummary } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import { auditInAtomic } from "./audit.ts";
import { requirePermission, type StaffActor } from "./roles.ts";

export const NewLinkForm = z.object({
  ...LinkRecipientFields,
  /** `show`: the URL is shown once; `email`: it is emailed and never shown. */
  delivery: z.enum(["show", "email"], "Choose how to hand the link over."),
});
export type NewLinkForm = z.infer<typeof NewLinkForm>;

/** Empty form fields are absent ones. */
function clean(form: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(form).filter(([, v]) => v !== undefined && v !== ""));
}

async function requireCustomer(services: Services, actor: StaffActor, ref: string) {
  const customer = ref.length <= 64 ? await getCustomer(services.kv, actor.org, ref) : null;
  if (!customer) throw new NotFoundError("No such customer.");
  return customer;
}

export interface StaffCustomerView {
  customer: Customer;
  orders: OrderSummary[];
  more_orders: boolean;
  links: LinkView[];
}

/** A customer of the actor's org with its newest orders and its links (never a token). */
export async function getCustomerForStaff(
  services: Services,
  actor: StaffActor,
  ref: string,
): Promise<StaffCustomerView> {
  requirePermission(actor, "console.view");
  const customer = await requireCustomer(services, actor, ref);
  const [page, links] = await Promise.all([
    listOrders(services.kv, actor.org, customer.ref, { limit: 10 }),
    listLinks(services, actor.org, customer.ref),
  ]);
  return { customer, orders: page.orders, more_orders: page.next_cursor !== null, links };
}

/**
 * Creates a link for the customer (or one recipient of it). With `delivery: "email"` it is
 * emailed (to the recipient, else the customer) and its URL is not returned.
 */
export async function createLinkForStaff(
  services: Services,
  actor: StaffActor,
  ref: string,
  form: Record<string, string | undefined>,
): Promise<{ link: CreatedLink; shown: boolean }> {
  requirePermission(actor, "links.manage");
  const input = parseInput(NewLinkForm, clean(form));
  const customer = await requireCustomer(services, actor, ref);
  const send = input.delivery === "email";
  const link = await createLink(services, actor.org, customer.ref, {
    source: "staff_console",
    createdBy: { kind: "staff", email: actor.email },
    recipientName: input.recipient_name,
    recipientEmail: input.recipient_email,
    label: input.label,
    sendEmail: send,
    also: (op, { link_id }) =>
      auditInAtomic(services, op, actor.org, actor, {
        action: send ? "link.send" : "link.create",
        target: { type: "link", id: link_id },
        detail: { customer_ref: customer.ref, recipient: input.recipient_email ?? null },
      }),
  });
  return { link, shown: !send };
}

/** Revokes one link of the customer (404 for another customer's or org's link id). */
export async function revokeLinkForStaff(
  services: Services,
  actor: StaffActor,
  ref: string,
  linkId: string,
): Promise<{ revoked: boolean }> {
  requirePermission(actor, "links.manage");
  const customer = await requireCustomer(services, actor, ref);
  return await revokeLink(services, actor.org, customer.ref, linkId, {
    by: { kind: "staff", email: actor.email },
    also: (op) =>
      auditInAtomic(services, op, actor.org, actor, {
        action: "link.revoke",
        target: { type: "link", id: linkId },
        detail: { customer_ref: customer.ref },
      }),
  });
}

/** Revokes every link of the customer; returns how many. */
export async function revokeAllLinksForStaff(
  services: Services,
  actor: StaffActor,
  ref: string,
): Promise<number> {
  requirePermission(actor, "links.manage");
  const customer = await requireCustomer(services, actor, ref);
  return await revokeLinks(services.kv, actor.org, customer.ref, services.clock.now(), {
    by: { kind: "staff", email: actor.email },
    also: (op, count) =>
      auditInAtomic(services, op, actor.org, actor, {
        action: "link.revoke_all",
        target: { type: "customer", id: customer.ref },
        detail: { revoked: count },
      }),
  });
}
