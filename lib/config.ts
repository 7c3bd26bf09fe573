/**
 * Configuration, read from the environment once at start-up and passed in; nothing else
 * reads `Deno.env`. A bad value stops start-up with one line naming the variable.
 */
import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "@/lib/access/client_ip.ts";

const optionalString = z.string().trim().min(1).optional();

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  KV_PATH: z.string().min(1).optional(),
  /** Set by Deno Deploy; there `Deno.openKv()` without a path opens the built-in KV. */
  DENO_DEPLOYMENT_ID: z.string().optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  /** Unset: production on Deno Deploy (DENO_DEPLOYMENT_ID set), development elsewhere. */
  DENO_ENV: z.enum(["development", "production", "test"]).optional(),
  /** Unset: seed in development and test, not in production. */
  SEED_DEMO: z.enum(["0", "1"]).optional(),
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
  /** Which peers are our proxies (lib/access/client_ip.ts): a hop count or a list of networks. */
  TRUSTED_PROXIES: z.string().optional().superRefine((v, ctx) => {
    try {
      parseTrustedProxies(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
  /** A request body that sends nothing for this long is cut with 408. */
  BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10 * 60_000).default(30_000),
  /** A request body still arriving this long after the request began is cut with 408. */
  BODY_TOTAL_TIMEOUT_MS: z.coerce.number().int().min(50).max(60 * 60_000).default(10 * 60_000),
});

export type Environment = "development" | "production" | "test";

export type Config = Omit<z.infer<typeof ConfigSchema>, "DENO_ENV" | "SEED_DEMO"> & {
  /** The environment, decided once: DENO_ENV, else production on Deploy, else development. */
  DENO_ENV: Environment;
  /** Whether to seed the demo on an empty database: SEED_DEMO, else not in production. */
  SEED_DEMO: "0" | "1";
  publicBaseUrl: string;
  /** The one production decision everyone uses (no in-memory bundling, no dev tools). */
  isProduction: boolean;
  /** `!isProduction`: islands may be bundled at start-up, dev outbox keeps bodies. */
  dev: boolean;
  /**
   * `/dev/*` may answer (still only to this machine, `lib/http/request_client.ts`): never in
   * production, never on Deno Deploy whatever DENO_ENV says.
   */
  devTools: boolean;
  trustedProxies: TrustedProxies;
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
  const onDeploy = c.DENO_DEPLOYMENT_ID !== undefined;
  const environment: Environment = c.DENO_ENV ?? (onDeploy ? "production" : "development");
  const isProduction = environment === "production";
  const publicBaseUrl = (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, "");
  const kvPath = c.KV_PATH ?? (onDeploy ? undefined : "./data/portal.kv");
  return {
    ...c,
    DENO_ENV: environment,
    SEED_DEMO: c.SEED_DEMO ?? (isProduction ? "0" : "1"),
    publicBaseUrl,
    isProduction,
    dev: !isProduction,
    devTools: !isProduction && !onDeploy,
    trustedProxies: parseTrustedProxies(c.TRUSTED_PROXIES),
    kvPath,
  };
}
