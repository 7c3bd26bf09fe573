/** Everything under /staff: console on or 404, sign-in or session, CSRF, no-store. */
export { staffAccess as default } from "@/lib/http/staff_access.ts";
