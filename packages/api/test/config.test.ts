import { readFile } from "node:fs/promises";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig, settingNames } from "../src/config/index.ts";

describe(".env.example", () => {
  it("lists every setting, each with its default", async () => {
    const example = parseEnv(await readFile(new URL("../../../.env.example", import.meta.url), "utf8"));

    expect(Object.keys(example).sort()).toEqual([...settingNames].sort());
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});

describe("turbo.json", () => {
  it("passes every setting through to the tasks, so that `pnpm dev` sees what the shell sets", async () => {
    const turbo = JSON.parse(await readFile(new URL("../../../turbo.json", import.meta.url), "utf8")) as { globalPassThroughEnv: string[] };

    expect(settingNames.filter((name) => !turbo.globalPassThroughEnv.includes(name))).toEqual([]);
  });
});

describe("the embedded PostgreSQL's port", () => {
  it("is PORT + 51329 unless EMBEDDED_POSTGRES_PORT is set, so checkouts on different PORTs do not collide", () => {
    expect(loadConfig({}).embeddedPostgresPort).toBe(54_329);
    expect(loadConfig({ PORT: "3100" }).embeddedPostgresPort).toBe(54_429);
    expect(loadConfig({ PORT: "8080" }).embeddedPostgresPort).toBe(59_409);
  });

  it("counts on from 1024 past the last port", () => {
    expect(loadConfig({ PORT: "14206" }).embeddedPostgresPort).toBe(65_535);
    expect(loadConfig({ PORT: "14207" }).embeddedPostgresPort).toBe(1_024);
    expect(loadConfig({ PORT: "65535" }).embeddedPostgresPort).toBe(52_352);
  });

  it("is EMBEDDED_POSTGRES_PORT when that is set", () => {
    expect(loadConfig({ PORT: "3100", EMBEDDED_POSTGRES_PORT: "54400" }).embeddedPostgresPort).toBe(54_400);
  });
});

describe("the rate limiter's settings", () => {
  it("limits sign-ups by default, in memory, to 10 a minute per client (a /64 for IPv6), and passcodes to 3 a minute per user, believing no proxy", () => {
    const { rateLimiter, server } = loadConfig({});
    expect(rateLimiter).toEqual({
      enabled: true,
      store: "in_memory",
      redisUrl: undefined,
      ipv6Prefix: 64,
      signUp: { limit: 10, windowSeconds: 60 },
      passcode: { limit: 3, windowSeconds: 60 },
    });
    expect(server.trustedProxies).toEqual([]);
  });

  it("refuses an IPv6 prefix longer than an address", () => {
    expect(loadConfig({ RATE_LIMITER_IPV6_PREFIX: "48" }).rateLimiter.ipv6Prefix).toBe(48);
    expect(() => loadConfig({ RATE_LIMITER_IPV6_PREFIX: "129" })).toThrow('RATE_LIMITER_IPV6_PREFIX="129" is not valid');
  });

  it("reads the trusted proxies as a list of addresses and CIDR ranges", () => {
    expect(loadConfig({ SERVER_TRUSTED_PROXIES: "10.0.0.0/8, 192.168.1.7,::1" }).server.trustedProxies).toEqual([
      "10.0.0.0/8",
      "192.168.1.7",
      "::1",
    ]);
  });

  it("names a bad value, and asks for REDIS_URL when the store is Redis", () => {
    expect(() => loadConfig({ SERVER_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(
      'SERVER_TRUSTED_PROXIES="10.0.0.0/33" is not valid: must be a comma-separated list of IP addresses or CIDR ranges',
    );
    expect(() => loadConfig({ RATE_LIMITER_SIGNUP_LIMIT: "0" })).toThrow('RATE_LIMITER_SIGNUP_LIMIT="0" is not valid');
    expect(() => loadConfig({ RATE_LIMITER_STORE: "redis" })).toThrow("RATE_LIMITER_STORE=redis needs REDIS_URL");
    expect(loadConfig({ RATE_LIMITER_STORE: "redis", REDIS_URL: "redis://127.0.0.1:6379" }).rateLimiter.redisUrl).toBe(
      "redis://127.0.0.1:6379",
    );
  });
});

describe("DATABASE_DIRECT_URL", () => {
  it("is read beside DATABASE_URL, and refused without it", () => {
    const direct = "postgresql://enroll@db.internal:5432/enroll";
    expect(
      loadConfig({
        DATABASE_URL: "postgresql://enroll@pgbouncer.internal:6432/enroll",
        DATABASE_DIRECT_URL: direct,
        EMAIL_REQUIRE_VERIFICATION: "false",
      })
        .databaseDirectUrl,
    ).toBe(direct);
    expect(() => loadConfig({ DATABASE_DIRECT_URL: direct })).toThrow("DATABASE_DIRECT_URL is set without DATABASE_URL");
  });
});

describe("the public routes' CORS settings", () => {
  it("allow http://localhost:8888 by default, as the reference does", () => {
    expect(loadConfig({}).server.publicCorsAllowOrigins).toEqual(["http://localhost:8888"]);
  });

  it("read a comma-separated list of origins", () => {
    expect(
      loadConfig({ SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "https://app.example.com, http://localhost:5173" }).server
        .publicCorsAllowOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("refuse an entry that is not an origin, naming the key", () => {
    for (const entry of ["https://app.example.com/", "https://app.example.com/path", "app.example.com", "ftp://example.com"]) {
      expect(() => loadConfig({ SERVER_PUBLIC_CORS_ALLOW_ORIGINS: entry })).toThrow(
        `SERVER_PUBLIC_CORS_ALLOW_ORIGINS=${JSON.stringify(entry)} is not valid: must be a comma-separated list of origins`,
      );
    }
  });

  it("refuse * unless SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED=true, saying why", () => {
    expect(() => loadConfig({ SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "https://app.example.com,*" })).toThrow(
      "SERVER_PUBLIC_CORS_ALLOW_ORIGINS holds *, which lets the pages of every site call the public routes with the " +
        "user's cookies; list the origins instead, or set SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED=true to allow it",
    );
    expect(
      loadConfig({ SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "*", SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED: "true" }).server
        .publicCorsAllowOrigins,
    ).toEqual(["*"]);
  });
});

describe("the audit log's and verification's settings", () => {
  it("store entries, also write each to stdout, and require verification with passcodes that work 5 minutes (the reference's defaults)", () => {
    const { auditLog, email } = loadConfig({});
    expect(auditLog).toEqual({ storageEnabled: true, consoleOutputEnabled: true });
    expect(email).toMatchObject({ requireVerification: true, passcodeTtlSeconds: 300 });
  });
});

describe("the address policy's settings", () => {
  it("refuse no domain by default: both lists empty, disposable addresses let through", () => {
    expect(loadConfig({}).email.domainPolicy).toEqual({ allowlist: new Set(), denylist: new Set(), blockDisposable: false });
  });

  it("read each list as comma-separated domains in IDNA's ASCII form, lower case, without a trailing dot", () => {
    const { domainPolicy } = loadConfig({
      EMAIL_DOMAIN_ALLOWLIST: " Bücher.Example. , EXAMPLE.com",
      EMAIL_DOMAIN_DENYLIST: "xn--bcher-kva.example,ｍａｉｌｉｎａｔｏｒ.com",
      EMAIL_BLOCK_DISPOSABLE: "true",
    }).email;

    expect(domainPolicy).toEqual({
      allowlist: new Set(["xn--bcher-kva.example", "example.com"]),
      denylist: new Set(["xn--bcher-kva.example", "mailinator.com"]),
      blockDisposable: true,
    });
  });

  it.each([
    ["EMAIL_DOMAIN_ALLOWLIST", "example.com,*.example.org", "*.example.org"],
    ["EMAIL_DOMAIN_DENYLIST", "@mailinator.com", "@mailinator.com"],
    ["EMAIL_DOMAIN_DENYLIST", "10.0.0.1", "10.0.0.1"],
    ["EMAIL_DOMAIN_DENYLIST", "mailinator.com/x", "mailinator.com/x"],
    ["EMAIL_DOMAIN_DENYLIST", "ex%61mple.com", "ex%61mple.com"],
    ["EMAIL_DOMAIN_DENYLIST", "example..com", "example..com"],
    ["EMAIL_DOMAIN_DENYLIST", `${"a".repeat(64)}.com`, `${"a".repeat(64)}.com`],
  ])("refuse %s=%j, naming the setting and the entry", (key, value, entry) => {
    expect(() => loadConfig({ [key]: value })).toThrow(
      `${key}=${JSON.stringify(value)} is not valid: ${JSON.stringify(entry)} is not a domain name; ` +
        "list domains such as example.com (each covers its subdomains)",
    );
  });
});

describe("email delivery", () => {
  const smtp = { EMAIL_DELIVERY_SMTP_HOST: "smtp.example.com", EMAIL_DELIVERY_FROM_ADDRESS: "noreply@example.com" };
  const deployed = { DATABASE_URL: "postgresql://enroll@db.internal:5432/enroll" };

  it("keeps emails in the mailbox, for clients on this machine only, in the zero-configuration run (embedded database, no SMTP)", () => {
    expect(loadConfig({}).emailDelivery).toEqual({
      via: "mailbox",
      fromAddress: undefined,
      fromName: "Enroll",
      smtp: undefined,
      mailboxLocalOnly: true,
    });
  });

  it("sends by SMTP when a host is set, on port 465 unless told otherwise, with the user and password given", () => {
    expect(loadConfig({ ...smtp, EMAIL_DELIVERY_SMTP_USER: "enroll", EMAIL_DELIVERY_SMTP_PASSWORD: "pw" }).emailDelivery).toMatchObject({
      via: "smtp",
      fromAddress: "noreply@example.com",
      smtp: { host: "smtp.example.com", port: 465, user: "enroll", password: "pw" },
    });
    expect(loadConfig({ ...smtp, ...deployed, EMAIL_DELIVERY_SMTP_PORT: "587" }).emailDelivery.smtp?.port).toBe(587);
  });

  it("opens the mailbox with a database of its own only when asked, to every client then", () => {
    expect(loadConfig({ ...deployed, EMAIL_REQUIRE_VERIFICATION: "false" }).emailDelivery.via).toBe("none");
    expect(loadConfig({ ...deployed, EMAIL_MAILBOX_ENABLED: "true" }).emailDelivery).toMatchObject({ via: "mailbox", mailboxLocalOnly: false });
    expect(loadConfig({ EMAIL_MAILBOX_ENABLED: "false", EMAIL_REQUIRE_VERIFICATION: "false" }).emailDelivery.via).toBe("none");
  });

  it("hands passcodes to the email.send webhook with EMAIL_DELIVERY_ENABLED=false", () => {
    expect(loadConfig({ EMAIL_DELIVERY_ENABLED: "false" }).emailDelivery.via).toBe("webhook");
  });

  it("stops a deployment that requires verification with no way to send a passcode, saying what to set", () => {
    const start = (settings: Record<string, string>) => () => loadConfig({ ...deployed, EMAIL_REQUIRE_VERIFICATION: "true", ...settings });

    expect(start({})).toThrow("EMAIL_REQUIRE_VERIFICATION=true needs a way to send passcodes, or no one can ever sign in: set EMAIL_DELIVERY_SMTP_HOST");
    expect(start({ EMAIL_DELIVERY_ENABLED: "false" })).toThrow("EMAIL_REQUIRE_VERIFICATION=true needs a way to send passcodes");
    expect(start(smtp)).not.toThrow();
    expect(start({ EMAIL_MAILBOX_ENABLED: "true" })).not.toThrow();
    expect(start({ EMAIL_REQUIRE_VERIFICATION: "false" })).not.toThrow();
    expect(() => loadConfig({ EMAIL_REQUIRE_VERIFICATION: "true", EMAIL_MAILBOX_ENABLED: "false" })).not.toThrow();
    const emailSendHook = JSON.stringify([{ callback: "https://mail.example/hooks", events: ["email"] }]);
    expect(start({ EMAIL_DELIVERY_ENABLED: "false", WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: emailSendHook })).not.toThrow();
  });

  it("asks for the sender's address with an SMTP host, refuses a mailbox beside SMTP, and never repeats the SMTP password", () => {
    expect(() => loadConfig({ EMAIL_DELIVERY_SMTP_HOST: "smtp.example.com" })).toThrow(
      "EMAIL_DELIVERY_SMTP_HOST needs EMAIL_DELIVERY_FROM_ADDRESS",
    );
    expect(() => loadConfig({ ...smtp, EMAIL_MAILBOX_ENABLED: "true" })).toThrow("EMAIL_MAILBOX_ENABLED=true keeps passcode emails in the app");
    const start = () => loadConfig({ ...smtp, EMAIL_DELIVERY_SMTP_PASSWORD: "s3cr#t", EMAIL_DELIVERY_SMTP_PORT: "smtp" });
    expect(start).toThrow('EMAIL_DELIVERY_SMTP_PORT="smtp" is not valid');
    expect(start).not.toThrow("s3cr#t");
  });
});

describe("SECRETS_KEYS", () => {
  it("is a comma-separated list of secrets, none by default", () => {
    expect(loadConfig({}).secrets.keys).toEqual([]);
    expect(loadConfig({ SECRETS_KEYS: "a-secret-of-16-chars, another-long-secret" }).secrets.keys).toEqual([
      "a-secret-of-16-chars",
      "another-long-secret",
    ]);
  });

  it("refuses a secret shorter than 16 characters with a sentence that does not repeat the secrets", () => {
    const start = () => loadConfig({ SECRETS_KEYS: "a-secret-of-16-chars,too-short" });

    expect(start).toThrow("SECRETS_KEYS is not valid: each secret must be at least 16 characters long");
    expect(start).not.toThrow("too-short");
  });

  it("never repeats a value that may hold a password or a token: database and Redis URLs, webhook callbacks", () => {
    for (const [key, value] of [
      ["DATABASE_URL", "postgres://enroll:s3cr#t/x@db:5432/enroll"],
      ["DATABASE_DIRECT_URL", "mysql://enroll:s3cr#t@db/enroll"],
      ["REDIS_URL", "http://:s3cr#t@cache:6379"],
      ["WEBHOOKS_HOOKS", '[{"callback":"https://hooks.example/s3cr#t","events":["user"]},{"callback":"ftp://x","events":["user"]}]'],
    ] as const) {
      const start = () => loadConfig({ DATABASE_URL: "postgres://localhost/enroll", [key]: value });
      expect(start).toThrow(`${key} is not valid`);
      expect(start).not.toThrow("s3cr#t");
    }
  });
});

describe("the session settings", () => {
  it("default to Hanko's: 12 hours, audience localhost, no issuer, RS256, a Secure HttpOnly SameSite=Strict cookie named hanko", () => {
    expect(loadConfig({}).session).toEqual({
      lifespanSeconds: 43_200,
      audience: ["localhost"],
      issuer: undefined,
      signingAlgorithm: "RS256",
      enableAuthTokenHeader: false,
      cookie: { name: "hanko", domain: undefined, secure: true, httpOnly: true, sameSite: "strict" },
    });
  });

  it("read SESSION_LIFESPAN in Go's duration syntax, and refuse anything else", () => {
    expect(loadConfig({ SESSION_LIFESPAN: "30m" }).session.lifespanSeconds).toBe(1_800);
    expect(loadConfig({ SESSION_LIFESPAN: "1h30m" }).session.lifespanSeconds).toBe(5_400);
    expect(loadConfig({ SESSION_LIFESPAN: "1.5h" }).session.lifespanSeconds).toBe(5_400);
    expect(loadConfig({ SESSION_LIFESPAN: "90s" }).session.lifespanSeconds).toBe(90);
    expect(() => loadConfig({ SESSION_LIFESPAN: "12 hours" })).toThrow(
      'SESSION_LIFESPAN="12 hours" is not valid: must be a duration such as 12h, 30m or 1h30m',
    );
    expect(() => loadConfig({ SESSION_LIFESPAN: "500ms" })).toThrow("must be at least 1s");
  });

  it("refuse SameSite=None without Secure, which browsers would drop", () => {
    expect(() => loadConfig({ SESSION_COOKIE_SAME_SITE: "none", SESSION_COOKIE_SECURE: "false" })).toThrow(
      "SESSION_COOKIE_SAME_SITE=none needs SESSION_COOKIE_SECURE=true",
    );
    expect(loadConfig({ SESSION_COOKIE_SAME_SITE: "none" }).session.cookie.sameSite).toBe("none");
  });

  it("sign with ES256 or EdDSA where SESSION_SIGNING_ALGORITHM says so, and refuse any other algorithm", () => {
    expect(loadConfig({ SESSION_SIGNING_ALGORITHM: "ES256" }).session.signingAlgorithm).toBe("ES256");
    expect(loadConfig({ SESSION_SIGNING_ALGORITHM: "EdDSA" }).session.signingAlgorithm).toBe("EdDSA");
    for (const refused of ["HS256", "none", "es256", "Ed25519", "PS256"]) {
      expect(() => loadConfig({ SESSION_SIGNING_ALGORITHM: refused })).toThrow(
        `SESSION_SIGNING_ALGORITHM=${JSON.stringify(refused)} is not valid: must be RS256 (the default, which the reference's verifiers expect), ES256 or EdDSA`,
      );
    }
  });

  it("read SESSION_AUDIENCE as a comma-separated list", () => {
    expect(loadConfig({ SESSION_AUDIENCE: "app.example.org, admin.example.org" }).session.audience).toEqual([
      "app.example.org",
      "admin.example.org",
    ]);
  });
});

describe("the webhooks' settings", () => {
  const hooks = '[{"callback":"https://shop.example/hooks","events":["user.create"]},{"callback":"http://127.0.0.1:4000/all","events":["user"]}]';

  it("are off by default, with no hooks, each event tried 40 times", () => {
    expect(loadConfig({}).webhooks).toEqual({ enabled: false, hooks: [], maxAttempts: 40 });
  });

  it("read WEBHOOKS_HOOKS as the reference's JSON list of callbacks and events", () => {
    expect(loadConfig({ WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: hooks, WEBHOOKS_MAX_ATTEMPTS: "5" }).webhooks).toEqual({
      enabled: true,
      hooks: [
        { callback: "https://shop.example/hooks", events: ["user.create"] },
        { callback: "http://127.0.0.1:4000/all", events: ["user"] },
      ],
      maxAttempts: 5,
    });
  });

  it("also read the hooks as the reference takes them from its environment: JSON objects separated by ;", () => {
    const semicolons = '{"callback":"https://shop.example/hooks","events":["user.create"]}; {"callback":"http://127.0.0.1:4000/all","events":["user"]}';

    expect(loadConfig({ WEBHOOKS_HOOKS: semicolons }).webhooks.hooks).toEqual(loadConfig({ WEBHOOKS_HOOKS: hooks }).webhooks.hooks);
    expect(loadConfig({ WEBHOOKS_HOOKS: '{"callback":"https://a.example/?x=1;y=2","events":["user"]}' }).webhooks.hooks).toEqual([
      { callback: "https://a.example/?x=1;y=2", events: ["user"] },
    ]);
    // A `};{` inside a callback is part of it, and a trailing `;` ends the list.
    expect(loadConfig({ WEBHOOKS_HOOKS: '{"callback":"http://a.example/?q=};{x","events":["user"]};' }).webhooks.hooks).toEqual([
      { callback: "http://a.example/?q=};{x", events: ["user"] },
    ]);
  });

  it("refuse a list that is not JSON, a callback that is not an http(s) URL and a hook without events, naming them", () => {
    expect(() => loadConfig({ WEBHOOKS_HOOKS: "[{callback:" })).toThrow("WEBHOOKS_HOOKS is not valid: must be JSON");
    expect(() => loadConfig({ WEBHOOKS_HOOKS: '"https://a.example"' })).toThrow("must be a JSON list of");
    expect(() => loadConfig({ WEBHOOKS_HOOKS: '[{"callback":"ftp://a.example","events":["user"]}]' })).toThrow(
      "each callback must be an http:// or https:// URL",
    );
    expect(() => loadConfig({ WEBHOOKS_HOOKS: '[{"callback":"https://a.example","events":[]}]' })).toThrow(
      "each hook needs at least one event",
    );
    expect(() => loadConfig({ WEBHOOKS_HOOKS: '[{"callback":"https://a.example","events":["User Create"]}]' })).toThrow(
      'each event must be a dotted name such as "user.create"',
    );
    expect(() => loadConfig({ WEBHOOKS_MAX_ATTEMPTS: "0" })).toThrow('WEBHOOKS_MAX_ATTEMPTS="0" is not valid');
  });
});

describe("the admin API's settings", () => {
  it("listen on loopback at PORT + 1 with no key by default", () => {
    expect(loadConfig({}).admin).toEqual({ port: 3001, host: "127.0.0.1", apiKey: undefined });
    expect(loadConfig({ PORT: "8080" }).admin.port).toBe(8081);
    expect(loadConfig({ PORT: "65535" }).admin.port).toBe(65_534);
    expect(loadConfig({ ADMIN_PORT: "9000" }).admin.port).toBe(9000);
  });

  it("refuse a non-loopback ADMIN_HOST without ADMIN_API_KEY, saying why", () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.10"]) {
      expect(() => loadConfig({ ADMIN_HOST: host })).toThrow(/ADMIN_HOST is not a loopback address.*set ADMIN_API_KEY/);
    }
    expect(loadConfig({ ADMIN_HOST: "0.0.0.0", ADMIN_API_KEY: "k".repeat(16) }).admin).toMatchObject({ host: "0.0.0.0" });
    for (const host of ["localhost", "127.0.0.2", "::1"]) expect(loadConfig({ ADMIN_HOST: host }).admin.host).toBe(host);
  });

  it("refuse a host that is no address, a short key (without repeating it) and the public port", () => {
    expect(() => loadConfig({ ADMIN_HOST: "example.org" })).toThrow('ADMIN_HOST="example.org" is not valid');
    expect(() => loadConfig({ ADMIN_API_KEY: "short-secret" })).toThrow(/ADMIN_API_KEY is not valid: must be at least 16/);
    expect(() => loadConfig({ ADMIN_API_KEY: "short-secret" })).not.toThrow(/short-secret/);
    expect(() => loadConfig({ ADMIN_API_KEY: "a key with spaces in it" })).toThrow(/ADMIN_API_KEY is not valid: must be visible ASCII/);
    expect(() => loadConfig({ PORT: "4000", ADMIN_PORT: "4000" })).toThrow("ADMIN_PORT is PORT");
  });
});

describe("the server's limits", () => {
  it("give a client 10 s for its headers and 30 s for its request, and hold at most 1000 connections", () => {
    expect(loadConfig({}).server).toMatchObject({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, maxConnections: 1000 });
    expect(loadConfig({ SERVER_HEADERS_TIMEOUT: "2s", SERVER_REQUEST_TIMEOUT: "1m" }).server).toMatchObject({
      headersTimeoutSeconds: 2,
      requestTimeoutSeconds: 60,
    });
  });

  it("refuses headers given longer than the whole request", () => {
    expect(() => loadConfig({ SERVER_HEADERS_TIMEOUT: "1m", SERVER_REQUEST_TIMEOUT: "30s" })).toThrow(
      "SERVER_HEADERS_TIMEOUT must not be longer than SERVER_REQUEST_TIMEOUT",
    );
  });
});
