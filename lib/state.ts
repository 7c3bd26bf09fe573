/**
 * The request State every middleware, handler and page shares (Fresh 2's `ctx.state`), and
 * the `define` helpers typed with it (as Fresh 2's `utils/state.ts`).
 */
import { createDefine } from "fresh";
import type { Customer, Locale, Org } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";
import type { OidcHelpers } from "@/lib/http/oidc.ts";
import type { StaffActor } from "@/lib/staff/roles.ts";
import type { StaffSession } from "@/lib/staff/sessions.ts";
import type { CustomerTicket } from "@/lib/issues/workflow.ts";

/** Set by the link middleware for `customer/[token]` and `api/portal/customer/[token]`. */
export interface Access {
  org: Org;
  customer: Customer;
  /** SHA-256 hex of the token: the only form that is ever stored or logged. */
  tokenHash: string;
  /** The raw token, kept in memory only to build this response's links. */
  token: string;
}

export interface State {
  /** KV, configuration and clock: set once, first thing, by the app's root middleware. */
  services: Services;
  /**
   * Headers for whatever this request's answer turns out to be, error pages included:
   * middleware that must mark every answer (rate limits, `no-store`) sets them here before
   * anything can fail, and the root middleware applies them.
   */
  responseHeaders: Headers;
  /** Chosen from ?lang=, then the `lang` cookie, then Accept-Language. */
  locale: Locale;
  /** The document title, set by a handler before it renders. */
  title?: string;
  access?: Access;
  /** Set by the admin API middleware from the `Authorization: Bearer` org API key. */
  adminOrg?: Org;
  /** The staff sign-in helpers, made once at start-up; null without `OIDC_ISSUER`. */
  oidc: OidcHelpers | null;
  /** Set by the staff console middleware for a signed-in member. */
  staff?: StaffAccess;
  /** A small form the staff middleware already read (to check its CSRF token). */
  form?: Record<string, string>;
  /** The order page's "Your reports" (routes/customer/[token]/orders/_middleware.ts). */
  reports?: CustomerTicket[];
}

/** Who is signed in to the staff console, as the staff middleware found them. */
export interface StaffAccess {
  actor: StaffActor;
  session: StaffSession;
  /** The session's synchronizer token, for the forms of this page. */
  csrfToken: string;
  /** The org's display name (the header shows it). */
  orgName: string;
}

/** Under a magic link, where the link middleware has checked the token. */
export interface LinkState extends State {
  access: Access;
}

/** Under `/api/admin/v1`, where the admin middleware has checked the API key. */
export interface AdminState extends State {
  adminOrg: Org;
}

/** Under `/staff`, past the sign-in pages, where the staff middleware found a session. */
export interface StaffState extends State {
  staff: StaffAccess;
}

export const define = createDefine<State>();
/** For routes under `customer/[token]` and `api/portal/customer/[token]`. */
export const linkDefine = createDefine<LinkState>();
/** For routes under `api/admin/v1`. */
export const adminDefine = createDefine<AdminState>();
/** For the staff console's pages and forms under `staff/` (not its sign-in pages). */
export const staffDefine = createDefine<StaffState>();
