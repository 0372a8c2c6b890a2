import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";

export interface RunningApp {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The admin listener, e.g. http://127.0.0.1:41235 (on ADMIN_HOST when the test sets it, else loopback). */
  adminUrl: string;
  /** The server's process id. */
  pid: number;
  /** Everything the app printed so far. */
  output(): string;
  /** The app's log so far: its JSON lines (log.ts), parsed. */
  logLines(): Record<string, unknown>[];
  /** Resolves with the process's exit code once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * The arguments that `pnpm start` gives node once the build is current: the root package.json's
 * `start` is `node …/build.ts && exec node <these>`.
 */
const startArguments: string[] = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8"))
  .scripts.start.split("exec node ")[1]
  .split(" ");

/**
 * What a test's app is started with unless the test says otherwise. The suites sign up hundreds of
 * addresses from 127.0.0.1, far past the default rate limit, so limiting is off; the tests of
 * the limit turn it on. Their sign-ups sign in at once, as they did before verification became the
 * default (and an app on DATABASE_URL that requires verification needs a way to send passcodes):
 * the tests of verification and passcodes turn it on, with an SMTP server or the mailbox.
 */
const testSettings = { RATE_LIMITER_ENABLED: "false", EMAIL_REQUIRE_VERIFICATION: "false" };

/**
 * Starts the built app exactly as `pnpm start` does (scripts/run.ts: migrations, then server.ts)
 * on a free port against `databaseUrl`, and resolves once it answers HTTP.
 */
export async function startApp(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  const adminPort = env.ADMIN_PORT ?? String(await freePort());
  const child = spawn(process.execPath, startArguments, {
    cwd: repoRoot,
    env: { ...process.env, ...testSettings, ADMIN_PORT: adminPort, ...env, DATABASE_URL: databaseUrl, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, child, () => output);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode}:\n${output}`);
  const logLines = () =>
    output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  return { url, adminUrl, pid: child.pid!, output: () => output, logLines, exited, stop: () => stop(child, exited) };
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode}:\n${output()}`);
    const answered = await fetch(`${url}/users`, { method: "GET" }).then(
      (response) => response.status === 405,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`The app did not start within 60 s:\n${output()}`);
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null) child.kill("SIGTERM");
  await exited;
}

/**
 * For a test file: the built app on a fresh database, started before its tests and stopped after
 * them, with a Prisma client on the same database for looking at what the app wrote. `env` may be
 * a function, for settings known only once the file's other beforeAll hooks have run.
 */
export function appOnFreshDatabase(env: Record<string, string> | (() => Record<string, string>) = {}): { app: RunningApp; db: Database } {
  const running = {} as { app: RunningApp; db: Database };
  beforeAll(async () => {
    const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
    running.db = createDatabase(databaseUrl);
    running.app = await startApp(databaseUrl, typeof env === "function" ? env() : env);
  });
  afterAll(async () => {
    await running.db?.$disconnect();
    await running.app?.stop();
  });
  return running;
}
