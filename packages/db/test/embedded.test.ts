import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { expect, it, onTestFinished } from "vitest";
import { DataFolderInUseError, startEmbeddedPostgres } from "../src/lifecycle/embedded.ts";
import { freePort, killAllButPostgres, postmasterPid, tempDataDir } from "../src/testing.ts";

it("refuses a data folder that a running PostgreSQL holds, saying who holds it and what to do", async () => {
  const dataDir = await tempDataDir();
  const running = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  try {
    const second = startEmbeddedPostgres({ dataDir, port: await freePort() });

    await expect(second).rejects.toThrow(DataFolderInUseError);
    await expect(second).rejects.toThrow(
      /already running on .*\(pid \d+\), most likely under `pnpm dev` or `pnpm start`.* Stop it first to migrate by hand/,
    );
  } finally {
    await running.stop();
  }
}, 120_000);

const appProcess = fileURLToPath(new URL("./fixtures/start-embedded-and-stay.ts", import.meta.url));

/** A data folder for this test alone, removed after it. */
async function dataDirOfThisTest(): Promise<string> {
  const dataDir = await tempDataDir();
  onTestFinished(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));
  return dataDir;
}

/** A process of its own that has started the embedded PostgreSQL on `dataDir`, serving on `port`, as an app does. */
async function startAppProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const app = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", appProcess, dataDir, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Should the test fail before it kills the app: SIGTERM stops its PostgreSQL too.
  onTestFinished(() => void app.kill("SIGTERM"));
  await once(app.stdout!, "data");
  return app;
}

async function query(port: number, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

it("stops the PostgreSQL of an app that was killed and starts again on its data, but refuses while the app runs", async () => {
  const dataDir = await dataDirOfThisTest();
  const port = await freePort();
  const app = await startAppProcess(dataDir, port);
  const leftBehind = postmasterPid(dataDir);
  await query(port, "CREATE TABLE kept AS SELECT 42 AS answer");

  await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(
    `in this checkout (pid ${app.pid}), which applied the migrations`,
  );

  killAllButPostgres(app.pid!, dataDir);
  await once(app, "exit");
  expect(await query(port, "SELECT 1 AS still_serving")).toEqual([{ still_serving: 1 }]);

  const warnings: string[] = [];
  const restarted = await startEmbeddedPostgres({ dataDir, port, persistent: false, warn: (message) => warnings.push(message) });
  try {
    expect(warnings).toEqual([expect.stringContaining(`(pid ${leftBehind}) outlived the app that started it`)]);
    expect(postmasterPid(dataDir)).not.toBe(leftBehind);
    expect(await query(port, "SELECT answer FROM kept")).toEqual([{ answer: 42 }]);
  } finally {
    await restarted.stop();
  }
}, 120_000);

it("stops the PostgreSQL of an app that was killed by itself, soon after", async () => {
  const dataDir = await dataDirOfThisTest();
  const port = await freePort();
  const app = await startAppProcess(dataDir, port);

  app.kill("SIGKILL");

  await expect.poll(() => existsSync(path.join(dataDir, "postmaster.pid")), { timeout: 10_000 }).toBe(false);
  await expect(query(port, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
}, 120_000);
