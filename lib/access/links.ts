/**
 * The magic-link API under the name the CLI and tests import it by; the implementation and
 * the key layout live in `tokens.ts`.
 */
export {
  createLink,
  isWellFormedLinkToken,
  LINK_IDLE_TTL_MS,
  type LinkFailure,
  type LinkRecord,
  type LinkVerification,
  revokeLinks,
  verifyLink,
} from "./tokens.ts";
