import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freePort } from "@enroll/db/testing";
import { appOnFreshDatabase } from "web/testing";
import { runCli, USAGE } from "../src/cli.ts";

const running = appOnFreshDatabase();

/** Runs the command line in this process, against the real app, and keeps what it wrote. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { log: (text) => out.push(text), error: (text) => err.push(text) });
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

  it("runs as `pnpm start -- create …`", async () => {
    const { stdout } = await promisify(execFile)(
      "pnpm",
      ["--silent", "start", "--", "create", "pnpm@example.com", "--via", "trpc", "--url", running.app.url],
      { cwd: new URL("..", import.meta.url) },
    );

    expect(stdout).toMatch(new RegExp(`^Created a user for pnpm@example.com \\(via tRPC\\)\\.\\n  user_id:  ${uuid}\\n`));
  });
});
