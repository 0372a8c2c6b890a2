import { domainToASCII } from "node:url";
import proxyaddr from "proxy-addr";
import { z } from "zod";
import { webhookHooks, WEBHOOK_DEFAULT_MAX_ATTEMPTS, type WebhookHook } from "./webhooks/hooks.ts";

const flag = z.enum(["true", "false"]).transform((value) => value === "true");

const port = z.coerce.number().int().min(1).max(65_535);

const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** A comma-separated list, as Hanko's list settings are given in the environment; blanks dropped. */
const commaSeparated = z.string().transform((list) => list.split(",").map((entry) => entry.trim()).filter(Boolean));

/** A comma-separated list of addresses and CIDR ranges, as proxy-addr reads them. */
const addressList = commaSeparated.refine(
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

/** The wildcard of SERVER_PUBLIC_CORS_ALLOW_ORIGINS: every origin. */
export const ANY_ORIGIN = "*";

/** A comma-separated list of origins (scheme, host and port, as browsers send `Origin`), or `*`. */
const originList = commaSeparated.refine((entries) => entries.every((entry) => entry === ANY_ORIGIN || isOrigin(entry)), {
    error: "must be a comma-separated list of origins such as https://app.example.com (scheme, host and port, no path), or *",
  });

function isOrigin(entry: string): boolean {
  try {
    const url = new URL(entry);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === entry;
  } catch {
    return false;
  }
}

/** One DNS label as IDNA's ASCII form writes it: letters, digits and inner hyphens, at most 63. */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The one spelling in which domains are compared: IDNA's ASCII form, as node:url's domainToASCII
 * gives it (UTS #46: lower case, full-width letters mapped, `bücher.example` as
 * `xn--bcher-kva.example`), without a trailing dot. Undefined when `name` is no domain name: an IP
 * address, a wildcard, an empty label. Only letters, marks, digits, hyphens and dots reach
 * domainToASCII, which reads its input as a URL's host (`%61` decoded, the rest cut at `/`).
 */
export function asciiDomain(name: string): string | undefined {
  const withoutRoot = name.endsWith(".") ? name.slice(0, -1) : name;
  if (!/^[\p{L}\p{M}\p{N}.-]+$/u.test(withoutRoot)) return undefined;
  const ascii = domainToASCII(withoutRoot);
  const labels = ascii.split(".");
  const isDomain = ascii.length <= 253 && labels.every((label) => ASCII_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
  return isDomain ? ascii : undefined;
}

/** A comma-separated list of domains, each in its ASCII form; a bad entry is named. */
const domainList = commaSeparated
  .pipe(
    z.array(
      z.string().transform((entry, context) => {
        const domain = asciiDomain(entry);
        if (domain !== undefined) return domain;
        context.issues.push({
          code: "custom",
          input: entry,
          message: `${JSON.stringify(entry)} is not a domain name; list domains such as example.com (each covers its subdomains)`,
        });
        return z.NEVER;
      }),
    ),
  )
  .transform((domains): ReadonlySet<string> => new Set(domains));

const GO_DURATION_UNITS_IN_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A duration in Go's syntax, as Hanko's configuration takes it (`12h`, `30m`, `1h30m`, `90s`), in whole seconds. */
const goDuration = z
  .string()
  .regex(/^(\d+(\.\d+)?(h|ms|m|s))+$/, { error: "must be a duration such as 12h, 30m or 1h30m" })
  .transform((text) =>
    Math.floor(
      [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)].reduce(
        (seconds, [, amount, unit]) => seconds + Number(amount) * GO_DURATION_UNITS_IN_SECONDS[unit!]!,
        0,
      ),
    ),
  )
  .refine((seconds) => seconds >= 1, { error: "must be at least 1s" });

/** Every setting comes from the environment: Hanko's key with dots as underscores, in upper case. */
const environment = z.object({
  ACCOUNT_ALLOW_SIGNUP: flag.default(true),
  AUDIT_LOG_CONSOLE_OUTPUT_ENABLED: flag.default(true),
  AUDIT_LOG_STORAGE_ENABLED: flag.default(true),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// connection URL" })
    .optional(),
  DATABASE_DIRECT_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// connection URL" })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
  PORT: port.default(3000),
  EMBEDDED_POSTGRES_PORT: port.optional(),
  EMAIL_REQUIRE_VERIFICATION: flag.default(false),
  EMAIL_DOMAIN_ALLOWLIST: domainList.default(new Set()),
  EMAIL_DOMAIN_DENYLIST: domainList.default(new Set()),
  EMAIL_BLOCK_DISPOSABLE: flag.default(false),
  RATE_LIMITER_ENABLED: flag.default(true),
  RATE_LIMITER_STORE: z.enum(["in_memory", "redis"]).default("in_memory"),
  RATE_LIMITER_SIGNUP_LIMIT: count(1_000_000).default(10),
  RATE_LIMITER_SIGNUP_WINDOW: count(86_400).default(60),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
  SERVER_TRUSTED_PROXIES: addressList.default([]),
  SERVER_PUBLIC_CORS_ALLOW_ORIGINS: originList.default(["http://localhost:8888"]),
  SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED: flag.default(false),
  // Each secret encrypts its own signing key in the database, so a short one would be guessable.
  SECRETS_KEYS: commaSeparated.pipe(
    z.array(z.string().min(16, { error: "each secret must be at least 16 characters long" })),
  ).optional(),
  SESSION_LIFESPAN: goDuration.default(12 * 3600),
  SESSION_AUDIENCE: commaSeparated.pipe(z.array(z.string()).min(1)).default(["localhost"]),
  SESSION_ISSUER: z.string().optional(),
  SESSION_ENABLE_AUTH_TOKEN_HEADER: flag.default(false),
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

/**
 * The settings whose values may hold a secret: the keys themselves, the URLs' passwords, and the
 * tokens that webhook callbacks carry in their paths. A wrong one is refused by its name alone.
 */
const SETTINGS_WITH_SECRETS = new Set(["SECRETS_KEYS", "DATABASE_URL", "DATABASE_DIRECT_URL", "REDIS_URL", "WEBHOOKS_HOOKS"]);

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
  /** Where each audit entry goes: the `audit_logs` table (in the sign-up's own statement), stdout as a JSON line. */
  auditLog: { storageEnabled: boolean; consoleOutputEnabled: boolean };
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
  /**
   * With `requireVerification`, a sign-up leaves its address unowned (to be claimed by verifying it)
   * and gives no session: the reference's `email.require_verification`. `domainPolicy`: which
   * addresses may sign up by their domain.
   */
  email: { requireVerification: boolean; domainPolicy: EmailDomainPolicy };
  /** Sign-ups per client address: at most `limit` in any `windowSeconds`, counted here or in Redis. */
  rateLimiter: {
    enabled: boolean;
    store: "in_memory" | "redis";
    redisUrl: string | undefined;
    signUp: { limit: number; windowSeconds: number };
  };
  server: {
    /** The proxies whose `X-Forwarded-For` is believed (addresses and CIDR ranges); none by default. */
    trustedProxies: string[];
    /** The origins whose pages may call the public routes with credentials; `*` (only when allowed) is any. */
    publicCorsAllowOrigins: string[];
  };
  /**
   * One signing key per secret, stored encrypted with it; the first signs, all verify. Empty: one
   * key kept unencrypted (the zero-configuration start, with a warning).
   */
  secrets: { keys: string[] };
  /** The session a sign-up starts: its token's lifetime and claims, and how it reaches the client. */
  session: {
    lifespanSeconds: number;
    audience: string[];
    issuer: string | undefined;
    /** true: the token goes in an `X-Auth-Token` header instead of the cookie. */
    enableAuthTokenHeader: boolean;
    cookie: {
      name: string;
      domain: string | undefined;
      secure: boolean;
      httpOnly: boolean;
      sameSite: "strict" | "lax" | "none";
    };
  };
  /** Whether events are written and delivered, where they are posted, and how often each is tried. */
  webhooks: { enabled: boolean; hooks: WebhookHook[]; maxAttempts: number };
}

/**
 * Which address domains may sign up (users/email-domain-policy.ts applies it); every domain in its
 * ASCII form (asciiDomain), and each covers its subdomains.
 */
export interface EmailDomainPolicy {
  /** When not empty, only these domains may sign up. */
  allowlist: ReadonlySet<string>;
  /** These may not, even when the allowlist holds them. */
  denylist: ReadonlySet<string>;
  /** Nor may the domains of the disposable-address list. */
  blockDisposable: boolean;
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
      // Secrets never reach a log, not even a wrong one: nor do the passwords and tokens of URLs.
      const shown = SETTINGS_WITH_SECRETS.has(key) ? key : `${key}=${JSON.stringify(env[key])}`;
      return `${shown} is not valid: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const settings = parsed.data;
  if (settings.DATABASE_DIRECT_URL && !settings.DATABASE_URL) {
    throw new ConfigError("Invalid configuration:\n  DATABASE_DIRECT_URL is set without DATABASE_URL, the database it reaches");
  }
  if (settings.SESSION_COOKIE_SAME_SITE === "none" && !settings.SESSION_COOKIE_SECURE) {
    throw new ConfigError(
      "Invalid configuration:\n  SESSION_COOKIE_SAME_SITE=none needs SESSION_COOKIE_SECURE=true: browsers drop a SameSite=None cookie that is not Secure",
    );
  }
  if (settings.RATE_LIMITER_ENABLED && settings.RATE_LIMITER_STORE === "redis" && !settings.REDIS_URL) {
    throw new ConfigError("Invalid configuration:\n  RATE_LIMITER_STORE=redis needs REDIS_URL, e.g. redis://localhost:6379");
  }
  if (settings.SERVER_PUBLIC_CORS_ALLOW_ORIGINS.includes(ANY_ORIGIN) && !settings.SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED) {
    throw new ConfigError(
      "Invalid configuration:\n  SERVER_PUBLIC_CORS_ALLOW_ORIGINS holds *, which lets the pages of every site call the public routes with " +
        "the user's cookies; list the origins instead, or set SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED=true to allow it",
    );
  }
  return {
    account: { allowSignup: settings.ACCOUNT_ALLOW_SIGNUP },
    auditLog: {
      storageEnabled: settings.AUDIT_LOG_STORAGE_ENABLED,
      consoleOutputEnabled: settings.AUDIT_LOG_CONSOLE_OUTPUT_ENABLED,
    },
    databaseUrl: settings.DATABASE_URL,
    databaseDirectUrl: settings.DATABASE_DIRECT_URL,
    databasePoolSize: settings.DATABASE_POOL_SIZE,
    port: settings.PORT,
    embeddedPostgresPort: settings.EMBEDDED_POSTGRES_PORT ?? embeddedPostgresPortFor(settings.PORT),
    email: {
      requireVerification: settings.EMAIL_REQUIRE_VERIFICATION,
      domainPolicy: {
        allowlist: settings.EMAIL_DOMAIN_ALLOWLIST,
        denylist: settings.EMAIL_DOMAIN_DENYLIST,
        blockDisposable: settings.EMAIL_BLOCK_DISPOSABLE,
      },
    },
    rateLimiter: {
      enabled: settings.RATE_LIMITER_ENABLED,
      store: settings.RATE_LIMITER_STORE,
      redisUrl: settings.REDIS_URL,
      signUp: { limit: settings.RATE_LIMITER_SIGNUP_LIMIT, windowSeconds: settings.RATE_LIMITER_SIGNUP_WINDOW },
    },
    server: {
      trustedProxies: settings.SERVER_TRUSTED_PROXIES,
      publicCorsAllowOrigins: settings.SERVER_PUBLIC_CORS_ALLOW_ORIGINS,
    },
    secrets: { keys: settings.SECRETS_KEYS ?? [] },
    session: {
      lifespanSeconds: settings.SESSION_LIFESPAN,
      audience: settings.SESSION_AUDIENCE,
      issuer: settings.SESSION_ISSUER,
      enableAuthTokenHeader: settings.SESSION_ENABLE_AUTH_TOKEN_HEADER,
      cookie: {
        name: settings.SESSION_COOKIE_NAME,
        domain: settings.SESSION_COOKIE_DOMAIN,
        secure: settings.SESSION_COOKIE_SECURE,
        httpOnly: settings.SESSION_COOKIE_HTTP_ONLY,
        sameSite: settings.SESSION_COOKIE_SAME_SITE,
      },
    },
    webhooks: {
      enabled: settings.WEBHOOKS_ENABLED,
      hooks: settings.WEBHOOKS_HOOKS,
      maxAttempts: settings.WEBHOOKS_MAX_ATTEMPTS,
    },
  };
}
