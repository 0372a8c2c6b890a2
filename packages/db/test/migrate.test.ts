import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { migrateDatabase } from "../src/lifecycle/migrate.ts";
import { readMigrations, withSchemaEngine } from "../src/lifecycle/schema-engine.ts";
import { createEmptyDatabase } from "../src/testing.ts";

vi.mock(import("../src/lifecycle/schema-engine.ts"), async (original) => {
  const engine = await original();
  return { ...engine, withSchemaEngine: vi.fn(engine.withSchemaEngine) as typeof engine.withSchemaEngine };
});

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const migrateAndStay = fileURLToPath(new URL("fixtures/migrate-and-stay.ts", import.meta.url));

const committedMigrationNames = async () =>
  (await readMigrations()).migrationDirectories.map((directory) => directory.path);

let url: string;
let client: pg.Client;

beforeEach(async () => {
  url = await createEmptyDatabase(inject("postgresUrl"));
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterEach(() => client.end());

async function migrationRows() {
  const { rows } = await client.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations ORDER BY migration_name`,
  );
  return rows;
}

/** The first line an instance prints: the names of the migrations it applied, as JSON. */
function appliedMigrationsReport(instance: ChildProcessByStdio<Writable, Readable, null>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    createInterface({ input: instance.stdout }).once("line", (line) => resolve(JSON.parse(line)));
    instance.once("exit", (code) => reject(new Error(`An instance exited with code ${code} before migrating`)));
  });
}

async function advisoryLocksHeld() {
  const { rows } = await client.query(
    `SELECT objid, pid, granted FROM pg_locks
      WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows;
}

describe("migrateDatabase", () => {
  it("creates the tables and a finished _prisma_migrations row per migration, then has nothing to apply", async () => {
    const names = await committedMigrationNames();

    expect(await migrateDatabase(url)).toEqual(names);

    const { rows: tables } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((table) => table.table_name)).toEqual([
      "_prisma_migrations",
      "audit_logs",
      "email_deliveries",
      "emails",
      "idempotency_keys",
      "jwks",
      "passcodes",
      "primary_emails",
      "sessions",
      "users",
      "webhook_deliveries",
    ]);
    expect(await migrationRows()).toEqual(
      names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })),
    );

    expect(await migrateDatabase(url)).toEqual([]);
    expect(await migrationRows()).toHaveLength(names.length);
  });

  it("does not start the engine when every migration is applied", async () => {
    await migrateDatabase(url);
    vi.mocked(withSchemaEngine).mockClear();

    expect(await migrateDatabase(url)).toEqual([]);

    expect(withSchemaEngine).not.toHaveBeenCalled();
  });

  it("leaves a migration recorded as failed to the engine, which refuses to go on", async () => {
    await migrateDatabase(url);
    await client.query("UPDATE _prisma_migrations SET finished_at = NULL");

    await expect(migrateDatabase(url)).rejects.toThrow(/fail/i);
  });

  it("lets instances started together apply each migration exactly once and leaves no advisory lock held", async () => {
    const names = await committedMigrationNames();
    const nodeArgs = ["--disable-warning=ExperimentalWarning", migrateAndStay, url];
    const instances = Array.from({ length: 4 }, () =>
      spawn(process.execPath, nodeArgs, { cwd: packageRoot, stdio: ["pipe", "pipe", "inherit"] }),
    );
    try {
      const reports = await Promise.all(instances.map(appliedMigrationsReport));

      // Whoever gets the lock first applies everything; the others find nothing left to do.
      expect(reports.filter((applied) => applied.length > 0)).toEqual([names]);
      expect(reports.flat()).toEqual(names);
      expect(await migrationRows()).toEqual(
        names.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })),
      );
      // Asked while every instance is still connected: a lock leaked by one of them would still show here.
      expect(await advisoryLocksHeld()).toEqual([]);
    } finally {
      for (const instance of instances) instance.stdin.end();
      await Promise.all(instances.map((instance) => (instance.exitCode === null ? once(instance, "exit") : undefined)));
    }
    expect(instances.map((instance) => instance.exitCode)).toEqual([0, 0, 0, 0]);
  }, 120_000);
});
