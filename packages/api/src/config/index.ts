import { z } from "zod";
import {
  addressList,
  ANY_ORIGIN,
  commaSeparated,
  count,
  domainList,
  flag,
  goDuration,
  isLoopback,
  listenHost,
  originList,
  port,
  postgresUrl,
  subscribes,
  webhookHooks,
} from "./values.ts";

export { ANY_ORIGIN, asciiDomain, isLoopback, subscribes, type WebhookHook } from "./values.ts";

/** With the retry delays of webhooks/hooks.ts, 40 attempts span about 28 hours: a receiver may be down for a day and miss nothing. */
export const WEBHOOK_DEFAULT_MAX_ATTEMPTS = 40;

/**
 * What session and webhook tokens may be signed with: RS256 first, the default, as the reference's
 * verifiers expect it.
 */
export const SIGNING_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Every setting comes from the environment: Hanko's key with dots as underscores, in upper case. */
const settings = z.object({
  ACCOUNT_ALLOW_SIGNUP: flag.default(true),
  AUDIT_LOG_CONSOLE_OUTPUT_ENABLED: flag.default(true),
  AUDIT_LOG_STORAGE_ENABLED: flag.default(true),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
  PORT: port.default(3000),
  ADMIN_PORT: port.optional(),
  ADMIN_HOST: listenHost.default("127.0.0.1"),
  // Whoever holds it may read and delete every user, so a short one would be guessable.
  ADMIN_API_KEY: z
    .string()
    .min(16, { error: "must be at least 16 characters long" })
    .regex(/^[\x21-\x7e]+$/, { error: "must be visible ASCII characters, without spaces, as a bearer token is sent" })
    .optional(),
  EMBEDDED_POSTGRES_PORT: port.optional(),
  EMBEDDED_POSTGRES_DATA_DIR: z.string().optional(),
  EMAIL_REQUIRE_VERIFICATION: flag.default(true),
  EMAIL_PASSCODE_TTL: count(86_400).default(300),
  EMAIL_DELIVERY_ENABLED: flag.default(true),
  EMAIL_DELIVERY_FROM_ADDRESS: z.email({ error: "must be an email address, e.g. noreply@example.com" }).optional(),
  EMAIL_DELIVERY_FROM_NAME: z.string().default("Enroll"),
  EMAIL_DELIVERY_SMTP_HOST: z.string().optional(),
  EMAIL_DELIVERY_SMTP_PORT: port.default(465),
  EMAIL_DELIVERY_SMTP_USER: z.string().optional(),
  EMAIL_DELIVERY_SMTP_PASSWORD: z.string().optional(),
  EMAIL_MAILBOX_ENABLED: flag.optional(),
  EMAIL_DOMAIN_ALLOWLIST: domainList.default(new Set()),
  EMAIL_DOMAIN_DENYLIST: domainList.default(new Set()),
  EMAIL_BLOCK_DISPOSABLE: flag.default(false),
  RATE_LIMITER_ENABLED: flag.default(true),
  RATE_LIMITER_STORE: z.enum(["in_memory", "redis"]).default("in_memory"),
  RATE_LIMITER_SIGNUP_LIMIT: count(1_000_000).default(10),
  RATE_LIMITER_SIGNUP_WINDOW: count(86_400).default(60),
  RATE_LIMITER_IPV6_PREFIX: count(128).default(64),
  RATE_LIMITER_PASSCODE_LIMITS_TOKENS: count(1_000_000).default(3),
  RATE_LIMITER_PASSCODE_LIMITS_INTERVAL: goDuration.default(60),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
  SERVER_TRUSTED_PROXIES: addressList.default([]),
  SERVER_HEADERS_TIMEOUT: goDuration.default(10),
  SERVER_REQUEST_TIMEOUT: goDuration.default(30),
  SERVER_MAX_CONNECTIONS: count(1_000_000).default(1_000),
  SERVER_PUBLIC_CORS_ALLOW_ORIGINS: originList.default(["http://localhost:8888"]),
  SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED: flag.default(false),
  SERVICE_NAME: z.string().min(1).default("Enroll"),
  // Each secret encrypts its own signing key in the database, so a short one would be guessable.
  SECRETS_KEYS: commaSeparated
    .pipe(z.array(z.string().min(16, { error: "each secret must be at least 16 characters long" })))
    .default([]),
  SESSION_LIFESPAN: goDuration.default(12 * 3600),
  SESSION_AUDIENCE: commaSeparated.pipe(z.array(z.string()).min(1)).default(["localhost"]),
  SESSION_ISSUER: z.string().optional(),
  SESSION_ENABLE_AUTH_TOKEN_HEADER: flag.default(false),
  SESSION_SIGNING_ALGORITHM: z
    .enum(SIGNING_ALGORITHMS, { error: "must be RS256 (the default, which the reference's verifiers expect), ES256 or EdDSA" })
    .default("RS256"),
  SESSION_COOKIE_NAME: z
    .string()
    .regex(/^[\w!#$%&'*+.^`|~-]+$/, { error: "must be a cookie name: letters, digits and !#$%&'*+-.^_`|~" })
    .default("hanko"),
  SESSION_COOKIE_DOMAIN: z.string().optional(),
  SESSION_COOKIE_SECURE: flag.default(true),
  SESSION_COOKIE_HTTP_ONLY: flag.default(true),
  SESSION_COOKIE_SAME_SITE: z.enum(["strict", "lax", "none"]).default("strict"),
  WEBHOOKS_ENABLED: flag.default(false),
  WEBHOOKS_HOOKS: webhookHooks.default([]),
  WEBHOOKS_MAX_ATTEMPTS: count(1_000).default(WEBHOOK_DEFAULT_MAX_ATTEMPTS),
});

type Settings = z.output<typeof settings>;

/**
 * How passcode emails leave: handed to the `email.send` webhook (EMAIL_DELIVERY_ENABLED=false), sent
 * by SMTP, kept in the app's mailbox, or, with none of these, kept in the outbox until an SMTP
 * server is set or they expire. The mailbox is on where EMAIL_MAILBOX_ENABLED says, or, unset, in
 * the zero-configuration run only (the embedded database, no SMTP server), where a person trying
 * Enroll on their own machine has nowhere else to read a passcode.
 */
function emailDeliveryOf(s: Settings): "webhook" | "smtp" | "mailbox" | "none" {
  if (!s.EMAIL_DELIVERY_ENABLED) return "webhook";
  if (s.EMAIL_MAILBOX_ENABLED ?? (!s.DATABASE_URL && !s.EMAIL_DELIVERY_SMTP_HOST)) return "mailbox";
  return s.EMAIL_DELIVERY_SMTP_HOST ? "smtp" : "none";
}

/** Whether a passcode can reach its address: by SMTP, in the mailbox, or through a webhook subscribed to `email.send`. */
function passcodesCanBeDelivered(s: Settings): boolean {
  const delivery = emailDeliveryOf(s);
  if (delivery === "webhook") return s.WEBHOOKS_ENABLED && s.WEBHOOKS_HOOKS.some(({ events }) => subscribes(events, "email.send"));
  return delivery !== "none";
}

/** Settings that only make sense together: each rule, and the sentence that says what to change. */
const CROSS_CHECKS: { holds(settings: Settings): boolean; problem: string }[] = [
  {
    holds: (s) => isLoopback(s.ADMIN_HOST) || Boolean(s.ADMIN_API_KEY),
    problem:
      `ADMIN_HOST is not a loopback address, so the admin API (every user, and deleting them) would answer other ` +
      `machines with no key: set ADMIN_API_KEY (e.g. openssl rand -hex 32), or bind it to 127.0.0.1`,
  },
  {
    holds: (s) => adminPortFor(s) !== s.PORT,
    problem: "ADMIN_PORT is PORT: the admin API needs a port of its own",
  },
  {
    holds: (s) => s.SERVER_HEADERS_TIMEOUT <= s.SERVER_REQUEST_TIMEOUT,
    problem: "SERVER_HEADERS_TIMEOUT must not be longer than SERVER_REQUEST_TIMEOUT, which the headers are part of",
  },
  {
    holds: (s) => !s.DATABASE_DIRECT_URL || Boolean(s.DATABASE_URL),
    problem: "DATABASE_DIRECT_URL is set without DATABASE_URL, the database it reaches",
  },
  {
    holds: (s) => s.SESSION_COOKIE_SAME_SITE !== "none" || s.SESSION_COOKIE_SECURE,
    problem: "SESSION_COOKIE_SAME_SITE=none needs SESSION_COOKIE_SECURE=true: browsers drop a SameSite=None cookie that is not Secure",
  },
  {
    holds: (s) => !s.RATE_LIMITER_ENABLED || s.RATE_LIMITER_STORE !== "redis" || Boolean(s.REDIS_URL),
    problem: "RATE_LIMITER_STORE=redis needs REDIS_URL, e.g. redis://localhost:6379",
  },
  {
    holds: (s) => !s.SERVER_PUBLIC_CORS_ALLOW_ORIGINS.includes(ANY_ORIGIN) || s.SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED,
    problem:
      "SERVER_PUBLIC_CORS_ALLOW_ORIGINS holds *, which lets the pages of every site call the public routes with " +
      "the user's cookies; list the origins instead, or set SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED=true to allow it",
  },
  {
    holds: (s) => !s.EMAIL_DELIVERY_SMTP_HOST || Boolean(s.EMAIL_DELIVERY_FROM_ADDRESS),
    problem: "EMAIL_DELIVERY_SMTP_HOST needs EMAIL_DELIVERY_FROM_ADDRESS, the address passcode emails are sent from",
  },
  {
    holds: (s) => !s.EMAIL_MAILBOX_ENABLED || (s.EMAIL_DELIVERY_ENABLED && !s.EMAIL_DELIVERY_SMTP_HOST),
    problem:
      "EMAIL_MAILBOX_ENABLED=true keeps passcode emails in the app instead of sending them, so it goes with neither " +
      "EMAIL_DELIVERY_SMTP_HOST nor EMAIL_DELIVERY_ENABLED=false: unset one of them",
  },
  {
    holds: (s) => !s.DATABASE_URL || !s.EMAIL_REQUIRE_VERIFICATION || passcodesCanBeDelivered(s),
    problem:
      "EMAIL_REQUIRE_VERIFICATION=true needs a way to send passcodes, or no one can ever sign in: set " +
      "EMAIL_DELIVERY_SMTP_HOST and EMAIL_DELIVERY_FROM_ADDRESS (with EMAIL_DELIVERY_SMTP_PORT, _USER and _PASSWORD as " +
      "your SMTP server needs), or EMAIL_DELIVERY_ENABLED=false with a webhook for email.send (WEBHOOKS_ENABLED, " +
      "WEBHOOKS_HOOKS), or EMAIL_MAILBOX_ENABLED=true to read them in the app's mailbox; or EMAIL_REQUIRE_VERIFICATION=false",
  },
];

/**
 * Unless EMBEDDED_POSTGRES_PORT is set, the embedded PostgreSQL listens at PORT + 51329 (54329 for
 * the default 3000), counted on from 1024 past 65535: two checkouts started on different PORTs
 * then never fight over one database port.
 */
function embeddedPostgresPortFor(appPort: number): number {
  const derived = appPort + 51_329;
  return derived <= 65_535 ? derived : derived - 65_535 + 1_023;
}

/** ADMIN_PORT, or else PORT + 1 (PORT - 1 for the last port). */
function adminPortFor({ PORT, ADMIN_PORT }: Pick<Settings, "PORT" | "ADMIN_PORT">): number {
  return ADMIN_PORT ?? (PORT < 65_535 ? PORT + 1 : PORT - 1);
}

/** The environment, checked (each setting, then the rules between them) and shaped as the app reads it. */
const configSchema = settings
  .superRefine((s, context) => {
    for (const { holds, problem } of CROSS_CHECKS) if (!holds(s)) context.addIssue({ code: "custom", message: problem, path: [] });
  })
  .transform((s) => ({
    account: { allowSignup: s.ACCOUNT_ALLOW_SIGNUP },
    /** Where each audit entry goes: the `audit_logs` table (in the sign-up's own statement), stdout as a JSON line. */
    auditLog: { storageEnabled: s.AUDIT_LOG_STORAGE_ENABLED, consoleOutputEnabled: s.AUDIT_LOG_CONSOLE_OUTPUT_ENABLED },
    /** Unset means: start the embedded PostgreSQL. */
    databaseUrl: s.DATABASE_URL,
    /** The same database without a transaction-pooling proxy, for migrations and their advisory lock; unset means DATABASE_URL. */
    databaseDirectUrl: s.DATABASE_DIRECT_URL,
    databasePoolSize: s.DATABASE_POOL_SIZE,
    port: s.PORT,
    /**
     * The admin API's listener: loopback by default; a key, when set, is asked of every request
     * (`Authorization: Bearer`), and must be set to listen anywhere else.
     */
    admin: { port: adminPortFor(s), host: s.ADMIN_HOST, apiKey: s.ADMIN_API_KEY },
    embeddedPostgresPort: s.EMBEDDED_POSTGRES_PORT ?? embeddedPostgresPortFor(s.PORT),
    /** Where the embedded PostgreSQL keeps its data, relative to the repository's root unless absolute; unset: `.data/postgres`. */
    embeddedPostgresDataDir: s.EMBEDDED_POSTGRES_DATA_DIR,
    email: {
      /** The reference's `email.require_verification`: a sign-up leaves its address unowned and gives no session. */
      requireVerification: s.EMAIL_REQUIRE_VERIFICATION,
      /**
       * Which address domains may sign up (users/email-domain-policy.ts applies it), each in its
       * ASCII form (asciiDomain) and covering its subdomains: only the allowlist's when it is not
       * empty, never the denylist's, nor, with blockDisposable, those of the disposable-address list.
       */
      domainPolicy: { allowlist: s.EMAIL_DOMAIN_ALLOWLIST, denylist: s.EMAIL_DOMAIN_DENYLIST, blockDisposable: s.EMAIL_BLOCK_DISPOSABLE },
      /** How long a passcode works after it is sent. */
      passcodeTtlSeconds: s.EMAIL_PASSCODE_TTL,
    },
    /** How passcode emails leave (see emailDeliveryOf), and what they are sent with. */
    emailDelivery: {
      via: emailDeliveryOf(s),
      fromAddress: s.EMAIL_DELIVERY_FROM_ADDRESS,
      fromName: s.EMAIL_DELIVERY_FROM_NAME,
      /** TLS from the start on port 465, STARTTLS wherever the server offers it. */
      smtp: s.EMAIL_DELIVERY_SMTP_HOST
        ? {
            host: s.EMAIL_DELIVERY_SMTP_HOST,
            port: s.EMAIL_DELIVERY_SMTP_PORT,
            user: s.EMAIL_DELIVERY_SMTP_USER,
            password: s.EMAIL_DELIVERY_SMTP_PASSWORD,
          }
        : undefined,
      /** Only clients on this machine may open the mailbox, unless EMAIL_MAILBOX_ENABLED=true opened it on purpose. */
      mailboxLocalOnly: s.EMAIL_MAILBOX_ENABLED !== true,
    },
    /** Sign-ups per client address: at most `limit` in any `windowSeconds`, counted here or in Redis. */
    rateLimiter: {
      enabled: s.RATE_LIMITER_ENABLED,
      store: s.RATE_LIMITER_STORE,
      redisUrl: s.REDIS_URL,
      /** IPv6 clients count by their network of this many leading bits (a /64 is one host's, usually). */
      ipv6Prefix: s.RATE_LIMITER_IPV6_PREFIX,
      signUp: { limit: s.RATE_LIMITER_SIGNUP_LIMIT, windowSeconds: s.RATE_LIMITER_SIGNUP_WINDOW },
      /** Passcodes sent per user, as the reference's `rate_limiter.passcode_limits`. */
      passcode: { limit: s.RATE_LIMITER_PASSCODE_LIMITS_TOKENS, windowSeconds: s.RATE_LIMITER_PASSCODE_LIMITS_INTERVAL },
    },
    server: {
      /** The proxies whose `X-Forwarded-For` is believed (addresses and CIDR ranges); none by default. */
      trustedProxies: s.SERVER_TRUSTED_PROXIES,
      /** How long a client has to send a request's headers, and the whole request, in seconds. */
      headersTimeoutSeconds: s.SERVER_HEADERS_TIMEOUT,
      requestTimeoutSeconds: s.SERVER_REQUEST_TIMEOUT,
      /** The most connections the server holds open at once; more are closed as they arrive. */
      maxConnections: s.SERVER_MAX_CONNECTIONS,
      /** The origins whose pages may call the public routes with credentials; `*` (only when allowed) is any. */
      publicCorsAllowOrigins: s.SERVER_PUBLIC_CORS_ALLOW_ORIGINS,
    },
    /** The name passcode emails give the service. */
    service: { name: s.SERVICE_NAME },
    /** One signing key per secret and algorithm, stored encrypted with it; the first secret's signs. Empty: unencrypted keys, with a warning. */
    secrets: { keys: s.SECRETS_KEYS },
    session: {
      lifespanSeconds: s.SESSION_LIFESPAN,
      audience: s.SESSION_AUDIENCE,
      issuer: s.SESSION_ISSUER,
      /** What session and webhook tokens are signed with; the keys of any other algorithm still verify while their secret is listed. */
      signingAlgorithm: s.SESSION_SIGNING_ALGORITHM,
      /** true: the token goes in an `X-Auth-Token` header instead of the cookie. */
      enableAuthTokenHeader: s.SESSION_ENABLE_AUTH_TOKEN_HEADER,
      cookie: {
        name: s.SESSION_COOKIE_NAME,
        domain: s.SESSION_COOKIE_DOMAIN,
        secure: s.SESSION_COOKIE_SECURE,
        httpOnly: s.SESSION_COOKIE_HTTP_ONLY,
        sameSite: s.SESSION_COOKIE_SAME_SITE,
      },
    },
    webhooks: { enabled: s.WEBHOOKS_ENABLED, hooks: s.WEBHOOKS_HOOKS, maxAttempts: s.WEBHOOKS_MAX_ATTEMPTS },
  }));

export type Config = z.output<typeof configSchema>;

export type EmailDomainPolicy = Config["email"]["domainPolicy"];

/**
 * The settings whose values may hold a secret: the keys themselves, the URLs' passwords, and the
 * tokens that webhook callbacks carry in their paths. A wrong one is refused by its name alone.
 */
const SETTINGS_WITH_SECRETS = new Set([
  "ADMIN_API_KEY",
  "SECRETS_KEYS",
  "DATABASE_URL",
  "DATABASE_DIRECT_URL",
  "REDIS_URL",
  "WEBHOOKS_HOOKS",
  "EMAIL_DELIVERY_SMTP_PASSWORD",
]);

/** The names of every setting, as the environment and .env.example spell them. */
export const settingNames = Object.keys(settings.shape);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and checks the configuration; a bad value stops the start with a sentence that names it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== "")));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    if (issue.path.length === 0) return issue.message;
    const key = String(issue.path[0]);
    // Secrets never reach a log, not even a wrong one: nor do the passwords and tokens of URLs.
    const shown = SETTINGS_WITH_SECRETS.has(key) ? key : `${key}=${JSON.stringify(env[key])}`;
    return `${shown} is not valid: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
}
