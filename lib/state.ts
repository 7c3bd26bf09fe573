/** Per-request state that middleware fills in and handlers and pages read. */
import type { Customer, Locale, Org } from "./orders/model.ts";

/** Set by the token middleware for `customer/[token]` and `api/portal/customer/[token]`. */
export interface Access {
  org: Org;
  customer: Customer;
  /** SHA-256 hex of the token: the only form that is ever stored or logged. */
  tokenHash: string;
  /** The raw token, kept in memory only to build this response's links. */
  token: string;
}

export interface State {
  /** Chosen from ?lang=, then the `lang` cookie, then Accept-Language. */
  locale: Locale;
  /** CSP nonce for this response's scripts. */
  nonce: string;
  /** The document title, set by a handler before it renders. */
  title?: string;
  access?: Access;
  /** Set by the admin API middleware from the `Authorization: Bearer` org API key. */
  adminOrg?: Org;
}
