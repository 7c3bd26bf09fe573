/**
 * Who may do what in the staff console: three roles, each a fixed set of permissions, and
 * the actor every staff action is done by. Domain functions check the permission themselves
 * (`requirePermission`), so a route that forgets to is still refused.
 *
 * | permission        | viewer | support | admin | what                                          |
 * | ----------------- | ------ | ------- | ----- | --------------------------------------------- |
 * | `console.view`    | ✓      | ✓       | ✓     | every page: integrations, logs, tickets, customers, dead letters |
 * | `tickets.work`    |        | ✓       | ✓     | status, assignee, internal notes, replies     |
 * | `links.manage`    |        | ✓       | ✓     | create, send and revoke a customer's links    |
 * | `emails.resend`   |        | ✓       | ✓     | re-send a dead-lettered email to a customer   |
 * | `staff.manage`    |        |         | ✓     | invite, change role, remove, allowed domain   |
 * | `api_keys.manage` |        |         | ✓     | create and revoke org API keys                |
 * | `audit.view`      |        |         | ✓     | the audit log (it holds colleagues' IP addresses) |
 */
import { z } from "zod";
import { ForbiddenError } from "@/lib/errors.ts";

export const STAFF_ROLES = ["admin", "support", "viewer"] as const;
export type StaffRole = typeof STAFF_ROLES[number];
export const StaffRoleSchema = z.enum(STAFF_ROLES, "Role: admin, support or viewer.");

export const PERMISSIONS = [
  "console.view",
  "tickets.work",
  "links.manage",
  "emails.resend",
  "staff.manage",
  "api_keys.manage",
  "audit.view",
] as const;
export type Permission = typeof PERMISSIONS[number];

const VIEWER: readonly Permission[] = ["console.view"];
const SUPPORT: readonly Permission[] = [...VIEWER, "tickets.work", "links.manage", "emails.resend"];
const ADMIN: readonly Permission[] = [...SUPPORT, "staff.manage", "api_keys.manage", "audit.view"];

/** The role → permission table (each role has everything of the roles below it). */
export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, readonly Permission[]>> = {
  viewer: VIEWER,
  support: SUPPORT,
  admin: ADMIN,
};

/** `can("support", "tickets.work")` → true; `can("viewer", "tickets.work")` → false. */
export function can(role: StaffRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.includes(permission) ?? false;
}

/** How an action reached the portal: the console (OIDC or developer sign-in) or the CLI. */
export type ActorVia = "oidc" | "developer" | "cli";

/**
 * Who does a staff action, and from where. Built per request from the session and the
 * current membership (so a demotion applies at once); `org` scopes everything it touches.
 */
export interface StaffActor {
  org: string;
  email: string;
  role: StaffRole;
  name?: string;
  via: ActorVia;
  /** Client address (lib/access/client_ip.ts) and user agent, for the audit log. */
  ip?: string;
  userAgent?: string;
}

/** A staff member tried something their role does not allow (a 403). */
export class MissingPermissionError extends ForbiddenError {
  constructor(readonly permission: Permission) {
    super(`This needs the "${permission}" permission.`);
  }
}

/** Throws MissingPermissionError unless the actor's role grants `permission`. */
export function requirePermission(actor: Pick<StaffActor, "role">, permission: Permission): void {
  if (!can(actor.role, permission)) throw new MissingPermissionError(permission);
}
