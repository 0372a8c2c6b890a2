import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freePort } from "@enroll/db/testing";
import { appOnFreshDatabase } from "web/testing";
import { runCli, USAGE } from "../src/cli.ts";

const KEY = "a-key-for-the-cli-tests";
const running = appOnFreshDatabase({ ADMIN_API_KEY: KEY });
const open = appOnFreshDatabase();

/** `enroll users …` in this process, against the app with a key, through ENROLL_ADMIN_URL and ENROLL_ADMIN_KEY. */
async function users(...args: string[]) {
  return usersWith({ ENROLL_ADMIN_URL: running.app.adminUrl, ENROLL_ADMIN_KEY: KEY }, ...args);
}

async function usersWith(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["users", ...args], { log: (text) => out.push(text), error: (text) => err.push(text) }, env);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("enroll users", () => {
  it("creates a user with its addresses, the first primary, and gets it", async () => {
    const created = await users("create", "Cli-One@Example.com", "cli-two@example.com", "--verified");

    expect(created.code).toBe(0);
    const id = new RegExp(`^Created user (${uuid})\\.`).exec(created.out)![1]!;
    expect(created.out).toMatch(`  cli-one@example.com (primary, verified) `);
    expect(created.out).toMatch(`  cli-two@example.com (secondary, verified) `);
    const stored = await running.db.user.findUniqueOrThrow({ where: { id }, include: { emails: true, primaryEmail: { include: { email: true } } } });
    expect(stored.primaryEmail?.email.address).toBe("cli-one@example.com");

    const shown = await users("get", id);
    expect(shown).toMatchObject({ code: 0, err: "" });
    expect(shown.out.split("\n")[0]).toBe(`User ${id}`);
  });

  it("lists users newest first, by part of an address, a page at a time", async () => {
    for (const name of ["a", "b", "c"]) expect((await users("create", `${name}@listed.example`)).code).toBe(0);

    const { code, out } = await users("list", "--email", "listed.example", "--per-page", "2");
    const second = await users("list", "--email", "listed.example", "--per-page", "2", "--page", "2");

    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+CREATED$/);
    expect(lines.slice(1, 3).map((line) => line.split(/\s+/)[1])).toEqual(["c@listed.example", "b@listed.example"]);
    expect(lines.at(-1)).toBe("Page 1 of 2: 2 of 3 users.");
    expect(second.out.split("\n").at(-1)).toBe("Page 2 of 2: 1 of 3 users.");
  });

  it("prints the API's JSON with --json", async () => {
    await users("create", "json@example.com");

    const { code, out } = await users("list", "--email", "json@example.com", "--json");

    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject([{ emails: [{ address: "json@example.com", is_primary: true }], webauthn_credentials: [] }]);
  });

  it("deletes a user, and says so when no user has the id", async () => {
    const id = new RegExp(`(${uuid})`).exec((await users("create", "leaving-cli@example.com")).out)![1]!;

    expect(await users("delete", id)).toEqual({ code: 0, out: `Deleted user ${id}.`, err: "" });
    expect(await running.db.user.count({ where: { id } })).toBe(0);
    expect(await users("delete", id)).toEqual({ code: 1, out: "", err: "Could not delete the user: no user has this id." });
    expect(await users("get", id)).toEqual({ code: 1, out: "", err: "Could not get the user: no user has this id." });
  });

  it("passes the admin API's sentences on: a taken address, an invalid id", async () => {
    await users("create", "taken-cli@example.com");

    expect(await users("create", "taken-cli@example.com")).toEqual({ code: 1, out: "", err: "Could not create the user: email already exists." });
    expect(await users("get", "42")).toEqual({ code: 1, out: "", err: "Could not get the user: id must be a UUID." });
  });

  it("asks for the key when the admin API wants one, and needs none on a loopback app without one", async () => {
    expect(await usersWith({ ENROLL_ADMIN_URL: running.app.adminUrl }, "list")).toEqual({
      code: 1,
      out: "",
      err: "Could not list users: the admin API needs its key: set ENROLL_ADMIN_KEY or --admin-key.",
    });
    expect((await usersWith({ ENROLL_ADMIN_URL: running.app.adminUrl }, "list", "--admin-key", KEY)).code).toBe(0);
    expect((await usersWith({}, "list", "--admin-url", open.app.adminUrl)).code).toBe(0);
  });

  it("says which admin API it could not reach", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;

    const { code, err } = await usersWith({ ENROLL_ADMIN_URL: nowhere }, "list");

    expect(code).toBe(1);
    expect(err).toMatch(`Could not list users: could not reach ${nowhere}: `);
  });

  it.each([[[]], [["remove"]], [["get"]], [["delete", "a", "b"]], [["list", "extra"]]])("shows how to use it for users %j", async (args) => {
    expect(await users(...args)).toEqual({ code: 2, out: "", err: USAGE });
  });

  it("refuses a page that is not a whole number", async () => {
    expect(await users("list", "--page", "0")).toEqual({ code: 2, out: "", err: `--page must be a whole number from 1\n${USAGE}` });
  });

  it("runs as the enroll bin, with its exit code", async () => {
    const done = await promisify(execFile)("pnpm", ["exec", "enroll", "users", "create", "bin-admin@example.com"], {
      cwd: new URL("../../..", import.meta.url),
      env: { ...process.env, ENROLL_ADMIN_URL: running.app.adminUrl, ENROLL_ADMIN_KEY: KEY },
    });

    expect(done.stdout).toMatch(new RegExp(`^Created user ${uuid}\\.\\n  created: `));
  });
});
