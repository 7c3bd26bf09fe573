/**
 * Configuration, read from the environment once at start-up and passed in; nothing else
 * reads `Deno.env`. A bad value stops start-up with one line naming the variable.
 */
import { z } from "zod";

const optionalString = z.string().trim().min(1).optional();

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  KV_PATH: z.string().min(1).optional(),
  /** Set by Deno Deploy; there `Deno.openKv()` without a path opens the built-in KV. */
  DENO_DEPLOYMENT_ID: z.string().optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  DENO_ENV: z.enum(["development", "production", "test"]).default("development"),
  SEED_DEMO: z.enum(["0", "1"]).default("1"),
  RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(10_000_000).default(100),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: z.url().optional(),
  MAIL_FROM: z.string().min(3).default("MonoPilot Portal <portal@monopilot.example>"),
  FEDEX_CLIENT_ID: optionalString,
  FEDEX_CLIENT_SECRET: optionalString,
  FEDEX_BASE_URL: z.url().default("https://apis.fedex.com"),
  UPS_CLIENT_ID: optionalString,
  UPS_CLIENT_SECRET: optionalString,
  UPS_BASE_URL: z.url().default("https://onlinetools.ups.com"),
  USPS_CLIENT_ID: optionalString,
  USPS_CLIENT_SECRET: optionalString,
  USPS_BASE_URL: z.url().default("https://apis.usps.com"),
  /** Minutes after which a page view asks the queue to refresh a shipment's tracking. */
  TRACKING_STALE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** Run the demo sandbox carrier that moves demo shipments along (embedded default only). */
  SANDBOX_CARRIER: z.enum(["0", "1"]).optional(),
  /** Web Workers that generate documents; unset = the cores less one (0 = in the main thread). */
  DOCUMENT_WORKERS: z.coerce.number().int().min(0).max(16).optional(),
  /** Generations that may wait for a worker; beyond that a download answers 503. */
  DOCUMENT_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  /** In-memory cache of generated documents, MiB per process (0 = off). */
  DOCUMENT_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(32),
  /** Days a generated document is kept in KV for other isolates and restarts (0 = off). */
  DOCUMENT_KV_CACHE_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  /**
   * The longest a request body may take to arrive, whatever its pace (lib/http cuts a longer
   * one with 408). The sweep of unfinished photo uploads derives its age from it.
   */
  REQUEST_BODY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3600).default(600),
  /** Report-issue confirmation emails per link per UTC day (the ticket is made either way). */
  REPORT_CONFIRMATIONS_PER_LINK_PER_DAY: z.coerce.number().int().min(0).max(1000).default(10),
  /** …and per recipient address per UTC day, across every link and org. */
  REPORT_CONFIRMATIONS_PER_ADDRESS_PER_DAY: z.coerce.number().int().min(0).max(1000).default(5),
  /** Report-issue photos a customer may store per UTC day: megabytes (MiB)… */
  PHOTO_QUOTA_MB_PER_DAY: z.coerce.number().int().min(1).max(100_000).default(200),
  /** …and files. */
  PHOTO_QUOTA_FILES_PER_DAY: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Staff console sign-in: the company's OpenID Connect provider, found by discovery. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  /** How the secret reaches the token endpoint: as registered at the provider (Okta enforces it). */
  OIDC_TOKEN_AUTH_METHOD: z.enum(["client_secret_basic", "client_secret_post"]).default(
    "client_secret_basic",
  ),
  /** A staff session ends after this much inactivity (ASVS 3.3.2 level 2 / NIST AAL2: 30). */
  STAFF_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(30),
  /** …and this long after sign-in whatever the activity (ASVS / NIST AAL2: 12 hours). */
  STAFF_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(30 * 24).default(12),
  /** Links minted for an email (magic-link and status emails) end after this many idle days. */
  LINK_EMAIL_IDLE_DAYS: z.coerce.number().int().min(1).max(90).default(30),
  /** Dead letters (failed queue messages) are kept this many days, then removed. */
  DEAD_LETTER_RETENTION_DAYS: z.coerce.number().int().min(1).max(400).default(30),
}).superRefine((c, ctx) => {
  const fail = (name: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [name], message });
  // Also runs when a field already failed: the first issue is the one reported.
  if (c.OIDC_ISSUER && URL.canParse(c.OIDC_ISSUER)) {
    const url = new URL(c.OIDC_ISSUER);
    const production = c.DENO_ENV === "production" || c.DENO_DEPLOYMENT_ID !== undefined;
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback && !production)) {
      fail("OIDC_ISSUER", "must be an https:// URL (http:// only for a loopback test provider).");
    } else if (url.search || url.hash) {
      fail("OIDC_ISSUER", "must not have a query or fragment (OpenID Connect Discovery).");
    } else if (!c.OIDC_CLIENT_ID) {
      fail("OIDC_CLIENT_ID", "is required when OIDC_ISSUER is set.");
    }
  } else if (!c.OIDC_ISSUER && (c.OIDC_CLIENT_ID || c.OIDC_CLIENT_SECRET)) {
    fail("OIDC_ISSUER", "is required when OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set.");
  }
  if (c.STAFF_SESSION_IDLE_MINUTES > c.STAFF_SESSION_MAX_HOURS * 60) {
    fail("STAFF_SESSION_IDLE_MINUTES", "must not be longer than STAFF_SESSION_MAX_HOURS.");
  }
});

export type Config = z.infer<typeof ConfigSchema> & {
  publicBaseUrl: string;
  dev: boolean;
  /** What to pass to `Deno.openKv`: undefined = the platform's default KV (Deploy). */
  kvPath: string | undefined;
};

export class ConfigError extends Error {}

/** Parses the environment into a Config, or throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as a `.env` template leaves them.
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = ConfigSchema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message}`);
  }
  const c = parsed.data;
  const publicBaseUrl = (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, "");
  const kvPath = c.KV_PATH ?? (c.DENO_DEPLOYMENT_ID ? undefined : "./data/portal.kv");
  return { ...c, publicBaseUrl, dev: c.DENO_ENV !== "production", kvPath };
}
