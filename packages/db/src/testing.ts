/**
 * Real PostgreSQL for tests: one embedded server per test run (started in Vitest's global setup)
 * and a fresh, migrated database per test file.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type {} from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./lifecycle/embedded.ts";
import { migrateDatabase } from "./lifecycle/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The embedded server of this test run, for `createMigratedDatabase(inject("postgresUrl"))`. */
    postgresUrl: string;
  }
}

/** A TCP port that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A data folder for an embedded PostgreSQL, not created yet, in a new temporary folder. */
export async function tempDataDir(): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), "enroll-pg-"));
  // Readable by the `postgres` user that runs the server when tests run as root.
  await chmod(parent, 0o755);
  return path.join(parent, "data");
}

/** The process id of the PostgreSQL that holds `dataDir` (the first line of its postmaster.pid). */
export function postmasterPid(dataDir: string): number {
  return Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8"), 10);
}

/**
 * SIGKILL, as the OOM killer sends it, to the process `pid` and to whatever else it started but the
 * PostgreSQL on `dataDir` (the watchdog), so that nothing is left to stop that PostgreSQL but the
 * next start.
 */
export function killAllButPostgres(pid: number, dataDir: string): void {
  const started = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);
  const postgres = postmasterPid(dataDir);
  for (const child of started) if (child !== postgres) process.kill(child, "SIGKILL");
  process.kill(pid, "SIGKILL");
}

/** A throw-away embedded PostgreSQL server; its data folder is removed on stop. */
export async function startTestPostgres(): Promise<EmbeddedDatabase> {
  return startEmbeddedPostgres({ dataDir: await tempDataDir(), port: await freePort(), persistent: false });
}

/** Creates an empty database on the server at `serverUrl` and returns its URL. */
export async function createEmptyDatabase(serverUrl: string): Promise<string> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** An empty database with every migration applied. */
export async function createMigratedDatabase(serverUrl: string): Promise<string> {
  const url = await createEmptyDatabase(serverUrl);
  await migrateDatabase(url);
  return url;
}
