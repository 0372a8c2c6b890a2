import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freePort } from "@enroll/db/testing";
import { appOnFreshDatabase } from "web/testing";
import { runCli, USAGE } from "../src/cli.ts";

const running = appOnFreshDatabase();

/** Runs the command line in this process, against the real app, and keeps what it wrote. */
async function run(...args: string[]) {
  return runWith({}, ...args);
}

/** `run` with `env` as the environment the command sees. */
async function runWith(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { log: (text) => out.push(text), error: (text) => err.push(text) }, env);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe.each([
  ["rest", "REST"],
  ["trpc", "tRPC"],
])("create --via %s", (via, door) => {
  it("creates the user and prints its ids", async () => {
    const email = `new-${via}@example.com`;

    const { code, out } = await run("create", email, "--via", via, "--url", running.app.url);

    expect(code).toBe(0);
    const printed = out.match(new RegExp(`user_id:  (${uuid})\\n  email_id: (${uuid})$`));
    expect(out).toMatch(`Created a user for ${email} (via ${door}).`);
    const stored = await running.db.email.findUniqueOrThrow({ where: { address: email } });
    expect(printed?.slice(1)).toEqual([stored.userId, stored.id]);
  });

  it("says so in plain words when the address is taken", async () => {
    await running.db.user.create({ data: { emails: { create: { address: `taken-${via}@example.com` } } } });

    const { code, err } = await run("create", `TAKEN-${via}@example.com`, "--via", via, "--url", running.app.url);

    expect(code).toBe(1);
    expect(err).toBe(`Could not create a user for TAKEN-${via}@example.com: this email address is already registered.`);
  });

  it("passes the server's sentence on for an invalid address", async () => {
    const { code, err } = await run("create", "user@localhost", "--via", via, "--url", running.app.url);

    expect(code).toBe(1);
    expect(err).toBe("Could not create a user for user@localhost: email must be a valid email address.");
  });

  it("says which server it could not reach", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;

    const { code, err } = await run("create", "a@example.com", "--via", via, "--url", nowhere);

    expect(code).toBe(1);
    expect(err).toMatch(`Could not create a user for a@example.com: could not reach ${nowhere}: `);
    expect(err).toMatch(/ECONNREFUSED/);
  });
});

describe("while sign-up is disabled", () => {
  const closed = appOnFreshDatabase({ ACCOUNT_ALLOW_SIGNUP: "false" });

  it.each(["rest", "trpc"])("says so through %s", async (via) => {
    const { code, err } = await run("create", "late@example.com", "--via", via, "--url", closed.app.url);

    expect(code).toBe(1);
    expect(err).toBe("Could not create a user for late@example.com: sign-up is disabled on this server.");
  });
});

describe("the command line", () => {
  it.each([[[]], [["create"]], [["create", "a@example.com", "extra"]], [["remove", "a@example.com"]]])(
    "shows how to use it for %j",
    async (args) => {
      expect(await run(...args)).toEqual({ code: 2, out: "", err: USAGE });
    },
  );

  it("refuses a door it does not know", async () => {
    expect(await run("create", "a@example.com", "--via", "grpc")).toEqual({
      code: 2,
      out: "",
      err: `--via must be rest or trpc\n${USAGE}`,
    });
  });

  it("talks to ENROLL_URL when --url is not given, and to --url when it is", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;

    const fromEnv = await runWith({ ENROLL_URL: running.app.url }, "create", "env-url@example.com");
    const fromFlag = await runWith({ ENROLL_URL: nowhere }, "create", "flag-url@example.com", "--url", running.app.url);

    expect(fromEnv).toMatchObject({ code: 0, out: expect.stringMatching(/^Created a user for env-url@example.com/) });
    expect(fromFlag).toMatchObject({ code: 0, out: expect.stringMatching(/^Created a user for flag-url@example.com/) });
  });
});

describe("the enroll bin", () => {
  /** `pnpm exec enroll …` at the workspace's root, as the README says; resolves however it exits. */
  async function enroll(args: string[], env: Record<string, string> = {}) {
    const done = await promisify(execFile)("pnpm", ["exec", "enroll", ...args], {
      cwd: new URL("../../..", import.meta.url),
      env: { ...process.env, ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (failed: { code: number; stdout: string; stderr: string }) => failed,
    );
    return { code: done.code, stdout: done.stdout, stderr: done.stderr };
  }

  it("creates a user at ENROLL_URL", async () => {
    const { code, stdout } = await enroll(["create", "bin@example.com", "--via", "trpc"], { ENROLL_URL: running.app.url });

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Created a user for bin@example.com \\(via tRPC\\)\\.\\n  user_id:  ${uuid}\\n`));
  });

  it("hands its exit codes to the shell unchanged, with nothing after its own lines", async () => {
    expect(await enroll(["create"])).toEqual({ code: 2, stdout: "", stderr: `${USAGE}\n` });
    expect(await enroll(["create", "user@localhost", "--url", running.app.url])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Could not create a user for user@localhost: email must be a valid email address.\n",
    });
  });
});
