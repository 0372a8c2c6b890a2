import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";

export interface RunningApp {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The launcher's process id; `next start` runs as its child. */
  pid: number;
  /** Everything the app printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const webRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Starts the built app the way `pnpm start` does (scripts/run.ts: migrations, then `next start`)
 * on a free port against `databaseUrl`, and resolves once it answers HTTP.
 */
export async function startApp(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", "scripts/run.ts", "start"],
    {
      cwd: webRoot,
      env: { ...process.env, NODE_ENV: "production", ...env, DATABASE_URL: databaseUrl, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, child, () => output);
  return { url, pid: child.pid!, output: () => output, stop: () => stop(child) };
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`The app did not start within 60 s:\n${output()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/**
 * For a test file: the built app on a fresh database, started before its tests and stopped after
 * them, with a Prisma client on the same database for looking at what the app wrote.
 */
export function appOnFreshDatabase(env: Record<string, string> = {}): { app: RunningApp; db: Database } {
  const running = {} as { app: RunningApp; db: Database };
  beforeAll(async () => {
    const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
    running.db = createDatabase(databaseUrl);
    running.app = await startApp(databaseUrl, env);
  });
  afterAll(async () => {
    await running.db?.$disconnect();
    await running.app?.stop();
  });
  return running;
}
