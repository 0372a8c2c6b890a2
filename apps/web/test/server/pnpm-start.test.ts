import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { createEmptyDatabase, freePort, killAllButPostgres, tempDataDir } from "@enroll/db/testing";

/**
 * `pnpm start` as a supervisor (systemd, Docker, a process manager) runs it: the pnpm process is
 * the one it signals and the one whose exit code it reads.
 */
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const buildId = path.join(repoRoot, "apps/web/.next/BUILD_ID");

interface Started {
  child: ChildProcess;
  url: string;
  databaseUrl: string;
  exited: Promise<number | null>;
  output(): string;
}

/** Starts `pnpm start` on a database of its own: a new one on the test run's server unless `env` names another. */
async function pnpmStart(env: Record<string, string> = {}): Promise<Started> {
  const databaseUrl = env.DATABASE_URL ?? (await createEmptyDatabase(inject("postgresUrl")));
  const port = await freePort();
  const child = spawn("pnpm", ["start"], {
    cwd: repoRoot,
    // Its sign-ups sign in at once, as before verification became the default.
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_PORT: String(await freePort()), EMAIL_REQUIRE_VERIFICATION: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not serve:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, databaseUrl, exited, output: () => output };
}

/** The embedded PostgreSQL, on a data folder of the test's own (never the checkout's .data/) and a free port. */
async function embeddedDatabase(): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = await tempDataDir();
  onTestFinished(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));
  return { dataDir, env: { DATABASE_URL: "", EMBEDDED_POSTGRES_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) } };
}

const signUp = (url: string, email: string) =>
  fetch(`${url}/users`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email }) }).then(
    (response) => response.status,
  );

const answers = (url: string) => fetch(`${url}/users`).then((response) => response.status === 405, () => false);

/** The node process that serves, under pnpm (whose script execs it). */
function serverPid(pnpm: ChildProcess): number {
  const children = spawnSync("pgrep", ["-P", String(pnpm.pid)], { encoding: "utf8" }).stdout.trim().split("\n");
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

async function connectionsOf(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  await client.end();
  return rows[0].n;
}

describe("pnpm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "on %s to the pnpm process, stops the server and the pool, and exits 0",
    async (signal) => {
      const app = await pnpmStart();
      expect(await signUp(app.url, "a@example.com")).toBe(200);

      app.child.kill(signal);

      expect(await app.exited).toBe(0);
      expect(await answers(app.url)).toBe(false);
      expect(await connectionsOf(app.databaseUrl)).toBe(0);
    },
  );

  it("on SIGHUP to the server (its terminal closed), stops the server and the pool in order, and exits 0", async () => {
    const app = await pnpmStart();
    expect(await signUp(app.url, "hangup@example.com")).toBe(200);

    process.kill(serverPid(app.child), "SIGHUP");

    expect(await app.exited).toBe(0);
    expect(app.output()).toContain("SIGHUP: stopping");
    expect(await connectionsOf(app.databaseUrl)).toBe(0);
  });

  it("exits 1 after a crash of the server, which it logs as one line", async () => {
    const crashOnSignal = path.join(tmpdir(), `enroll-crash-${process.pid}.mjs`);
    writeFileSync(crashOnSignal, 'process.on("SIGUSR2", () => { throw new Error("a bug"); });\n');
    const app = await pnpmStart({ NODE_OPTIONS: `--import=${crashOnSignal}` });

    process.kill(serverPid(app.child), "SIGUSR2");

    expect(await app.exited).toBe(1);
    expect(await answers(app.url)).toBe(false);
    const crash = app.output().split("\n").filter((line) => line.includes('"Crashed"') && line.includes('"level":60'));
    expect(crash).toHaveLength(1);
    expect(JSON.parse(crash[0]!)).toMatchObject({ err: { class: "Error", message: "a bug" } });
  });

  it("exits non-zero when the server is killed", async () => {
    const app = await pnpmStart();

    process.kill(serverPid(app.child), "SIGKILL");

    expect(await app.exited).not.toBe(0);
  });

  it("starts again on the embedded database that a killed server left running, with what it stored", async () => {
    const { dataDir, env } = await embeddedDatabase();
    const killed = await pnpmStart(env);
    expect(await signUp(killed.url, "before-the-kill@example.com")).toBe(200);

    killAllButPostgres(serverPid(killed.child), dataDir);
    expect(await killed.exited).not.toBe(0);

    // What a supervisor does next: the same command again.
    const restarted = await pnpmStart(env);
    expect(await signUp(restarted.url, "before-the-kill@example.com")).toBe(409);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
  });

  it("stops the embedded PostgreSQL by itself soon after the server is killed", async () => {
    const { dataDir, env } = await embeddedDatabase();
    const app = await pnpmStart(env);

    process.kill(serverPid(app.child), "SIGKILL");
    expect(await app.exited).not.toBe(0);

    await expect.poll(() => existsSync(path.join(dataDir, "postmaster.pid")), { timeout: 10_000 }).toBe(false);
  });

  it("serves a current build as it is, under NODE_ENV=production too, with two starts at once", async () => {
    // Made current first (a no-op unless a source changed since this run's build).
    expect(spawnSync("node", ["--disable-warning=ExperimentalWarning", "apps/web/scripts/build.ts"], { cwd: repoRoot }).status).toBe(0);
    const before = statSync(buildId).mtimeMs;

    const apps = await Promise.all([pnpmStart({ NODE_ENV: "production" }), pnpmStart()]);

    expect(statSync(buildId).mtimeMs).toBe(before);
    for (const app of apps) {
      expect(await answers(app.url)).toBe(true);
      app.child.kill("SIGTERM");
      expect(await app.exited).toBe(0);
    }
  });
});
