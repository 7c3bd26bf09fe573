/** The team page's reads (admins): members and the allowed domain of the actor's org. */
import type { Services } from "@/lib/services.ts";
import {
  type AllowedDomain,
  getAllowedDomain,
  listStaffMembers,
  type StaffMember,
} from "./members.ts";
import { requirePermission, type StaffActor } from "./roles.ts";

export async function teamForStaff(
  services: Services,
  actor: StaffActor,
): Promise<{ members: StaffMember[]; domain: AllowedDomain | null }> {
  requirePermission(actor, "staff.manage");
  const [members, domain] = await Promise.all([
    listStaffMembers(services.kv, actor.org),
    getAllowedDomain(services.kv, actor.org),
  ]);
  return { members, domain };
}
