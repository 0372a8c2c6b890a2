import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const webRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `pnpm start`'s launcher with `env` and returns how it ended; it must stop before starting anything. */
function launch(env: Record<string, string>) {
  const run = spawnSync(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", "scripts/run.ts", "start"],
    { cwd: webRoot, env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 },
  );
  return { status: run.status, stderr: run.stderr };
}

describe("configuration checked at start", () => {
  it.each([
    [{ ACCOUNT_ALLOW_SIGNUP: "maybe" }, 'ACCOUNT_ALLOW_SIGNUP="maybe" is not valid'],
    [{ PORT: "eighty" }, 'PORT="eighty" is not valid'],
    [{ PORT: "70000" }, 'PORT="70000" is not valid'],
    [{ DATABASE_URL: "mysql://localhost/enroll" }, "must be a postgresql:// connection URL"],
    [{ EMAIL_REQUIRE_VERIFICATION: "yes" }, 'EMAIL_REQUIRE_VERIFICATION="yes" is not valid'],
    [{ AUDIT_LOG_STORAGE_ENABLED: "off" }, 'AUDIT_LOG_STORAGE_ENABLED="off" is not valid'],
    [{ SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "*" }, "SERVER_PUBLIC_CORS_ALLOW_ORIGINS holds *, which lets the pages of every site"],
    [{ SECRETS_KEYS: "short" }, "SECRETS_KEYS is not valid: each secret must be at least 16 characters long"],
    [{ SESSION_SIGNING_ALGORITHM: "HS256" }, 'SESSION_SIGNING_ALGORITHM="HS256" is not valid: must be RS256 (the default, which the reference\'s verifiers expect), ES256 or EdDSA'],
    [{ WEBHOOKS_HOOKS: "https://shop.example/hooks" }, "WEBHOOKS_HOOKS is not valid: must be JSON"],
    [{ WEBHOOKS_HOOKS: '[{"callback":"shop","events":["user"]}]' }, "each callback must be an http:// or https:// URL"],
    [{ EMAIL_DOMAIN_DENYLIST: "mailinator.com,*.yopmail.com" }, '"*.yopmail.com" is not a domain name'],
    [
      { DATABASE_URL: "postgresql://enroll@localhost:5432/enroll" },
      "EMAIL_REQUIRE_VERIFICATION=true needs a way to send passcodes, or no one can ever sign in: set EMAIL_DELIVERY_SMTP_HOST",
    ],
  ])("refuses %j with a sentence naming it", (env, sentence) => {
    const { status, stderr } = launch(env);

    expect(status).toBe(1);
    expect(stderr).toContain("Invalid configuration");
    expect(stderr).toContain(sentence);
  });
});
