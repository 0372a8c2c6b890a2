import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "@enroll/db/testing";
import { startApp } from "web/testing";

/**
 * What every benchmark starts the app with. A sign-up signs its user in at once (the session row
 * and token), as the baseline's does: verification, which leaves that for a passcode later, is off
 * whatever the default. The rate limiter is part of every sign-up, so it runs (the test harness that
 * starts the app turns it off otherwise), but all the load comes from one address, thousands a
 * second: its limit is set where it never refuses one.
 */
export const BENCH_APP_SETTINGS = {
  EMAIL_REQUIRE_VERIFICATION: "false",
  RATE_LIMITER_ENABLED: "true",
  RATE_LIMITER_SIGNUP_LIMIT: "1000000",
} as const;

/** A server under load: where it answers, and the process that serves it (whose memory is measured). */
export interface ServerUnderTest {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The production app, started as `pnpm start` starts it (one process that migrates, then serves),
 * and how long it took from the start of its process to its first sign-up answered with 200.
 */
export async function startAppServer(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<{ app: ServerUnderTest; coldStartMs: number }> {
  const startedAt = performance.now();
  const app = await startApp(databaseUrl, env);
  const response = await fetch(`${app.url}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: `cold-start-${randomUUID()}@bench.example` }),
  });
  const coldStartMs = performance.now() - startedAt;
  if (response.status !== 200) {
    await app.stop();
    throw new Error(`The app's first sign-up answered ${response.status}:\n${app.output()}`);
  }
  return { app: { url: app.url, pid: app.pid, stop: app.stop }, coldStartMs };
}

const baselineScript = fileURLToPath(new URL("./baseline-server.ts", import.meta.url));

/** The baseline (see baseline-server.ts) on a free port; `env` may choose its SESSION_SIGNING_ALGORITHM. */
export async function startBaselineServer(
  databaseUrl: string,
  poolSize: number,
  env: Record<string, string> = {},
): Promise<ServerUnderTest> {
  const port = await freePort();
  // Plain Node, as `pnpm start` runs the app: its type stripping, no loader.
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", baselineScript], {
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: String(poolSize), PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // It may log before it listens (the key store's warning without SECRETS_KEYS): wait for its line.
  await new Promise<void>((resolve, reject) => {
    let printed = "";
    child.stdout.on("data", (chunk: Buffer) => {
      printed += chunk;
      if (printed.includes(`listening on ${port}`)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`The baseline server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Makes Linux forget the highest resident set size of `pid` so far, so that the next peak is this cell's. */
export async function resetPeakRss(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, "5");
}

/** The highest resident set size of `pid` since the last reset, in bytes. */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kibibytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kibibytes) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(kibibytes) * 1024;
}

/** User and system CPU time that `pid` (all its threads) has used so far, in milliseconds. */
export function cpuMilliseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The fields after the command name, which may itself hold spaces; utime and stime count USER_HZ ticks (1/100 s).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
