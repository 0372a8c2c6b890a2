import proxyaddr from "proxy-addr";
import { z } from "zod";
import { webhookHooks, WEBHOOK_DEFAULT_MAX_ATTEMPTS, type WebhookHook } from "./webhooks/hooks.ts";

const flag = z.enum(["true", "false"]).transform((value) => value === "true");

const port = z.coerce.number().int().min(1).max(65_535);

const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** A comma-separated list of addresses and CIDR ranges, as proxy-addr reads them. */
const addressList = z
  .string()
  .transform((list) => list.split(",").map((entry) => entry.trim()).filter(Boolean))
  .refine(
    (entries) => {
      try {
        proxyaddr.compile(entries);
        return true;
      } catch {
        return false;
      }
    },
    { error: "must be a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.0/8,192.168.1.7" },
  );

/** Every setting comes from the environment: Hanko's key with dots as underscores, in upper case. */
const environment = z.object({
  ACCOUNT_ALLOW_SIGNUP: flag.default(true),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// connection URL" })
    .optional(),
  DATABASE_DIRECT_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// connection URL" })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
  PORT: port.default(3000),
  EMBEDDED_POSTGRES_PORT: port.optional(),
  RATE_LIMITER_ENABLED: flag.default(true),
  RATE_LIMITER_STORE: z.enum(["in_memory", "redis"]).default("in_memory"),
  RATE_LIMITER_SIGNUP_LIMIT: count(1_000_000).default(10),
  RATE_LIMITER_SIGNUP_WINDOW: count(86_400).default(60),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
  SERVER_TRUSTED_PROXIES: addressList.default([]),
  WEBHOOKS_ENABLED: flag.default(false),
  WEBHOOKS_HOOKS: webhookHooks.default([]),
  WEBHOOKS_MAX_ATTEMPTS: count(1_000).default(WEBHOOK_DEFAULT_MAX_ATTEMPTS),
});

/** The names of every setting, as the environment and .env.example spell them. */
export const settingNames = Object.keys(environment.shape);

/**
 * Unless EMBEDDED_POSTGRES_PORT is set, the embedded PostgreSQL listens at PORT + 51329 (54329 for
 * the default 3000), counted on from 1024 past 65535: two checkouts started on different PORTs
 * then never fight over one database port.
 */
function embeddedPostgresPortFor(appPort: number): number {
  const derived = appPort + 51_329;
  return derived <= 65_535 ? derived : derived - 65_535 + 1_023;
}

export interface Config {
  account: { allowSignup: boolean };
  /** Unset means: start the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /**
   * The same database without a transaction-pooling proxy in between, for what needs a session of
   * its own (migrations and their advisory lock); unset means DATABASE_URL.
   */
  databaseDirectUrl: string | undefined;
  /** The most connections the server opens to the database at once. */
  databasePoolSize: number;
  port: number;
  /** Where the embedded PostgreSQL listens when it is used: EMBEDDED_POSTGRES_PORT, or derived from PORT. */
  embeddedPostgresPort: number;
  /** Sign-ups per client address: at most `limit` in any `windowSeconds`, counted here or in Redis. */
  rateLimiter: {
    enabled: boolean;
    store: "in_memory" | "redis";
    redisUrl: string | undefined;
    signUp: { limit: number; windowSeconds: number };
  };
  /** The proxies whose `X-Forwarded-For` is believed (addresses and CIDR ranges); none by default. */
  server: { trustedProxies: string[] };
  /** Whether events are written and delivered, where they are posted, and how often each is tried. */
  webhooks: { enabled: boolean; hooks: WebhookHook[]; maxAttempts: number };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and checks the configuration; a bad value stops the start with a sentence that names it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environment.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `${key}=${JSON.stringify(env[key])} is not valid: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const settings = parsed.data;
  if (settings.DATABASE_DIRECT_URL && !settings.DATABASE_URL) {
    throw new ConfigError("Invalid configuration:\n  DATABASE_DIRECT_URL is set without DATABASE_URL, the database it reaches");
  }
  if (settings.RATE_LIMITER_ENABLED && settings.RATE_LIMITER_STORE === "redis" && !settings.REDIS_URL) {
    throw new ConfigError("Invalid configuration:\n  RATE_LIMITER_STORE=redis needs REDIS_URL, e.g. redis://localhost:6379");
  }
  return {
    account: { allowSignup: settings.ACCOUNT_ALLOW_SIGNUP },
    databaseUrl: settings.DATABASE_URL,
    databaseDirectUrl: settings.DATABASE_DIRECT_URL,
    databasePoolSize: settings.DATABASE_POOL_SIZE,
    port: settings.PORT,
    embeddedPostgresPort: settings.EMBEDDED_POSTGRES_PORT ?? embeddedPostgresPortFor(settings.PORT),
    rateLimiter: {
      enabled: settings.RATE_LIMITER_ENABLED,
      store: settings.RATE_LIMITER_STORE,
      redisUrl: settings.REDIS_URL,
      signUp: { limit: settings.RATE_LIMITER_SIGNUP_LIMIT, windowSeconds: settings.RATE_LIMITER_SIGNUP_WINDOW },
    },
    server: { trustedProxies: settings.SERVER_TRUSTED_PROXIES },
    webhooks: {
      enabled: settings.WEBHOOKS_ENABLED,
      hooks: settings.WEBHOOKS_HOOKS,
      maxAttempts: settings.WEBHOOKS_MAX_ATTEMPTS,
    },
  };
}
