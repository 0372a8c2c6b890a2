import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import { noFilters, readMigrations, withSchemaEngine } from "./schema-engine.ts";

/**
 * Any fixed number works, as long as every instance of the app uses the same one. It differs from
 * the key the engine itself locks, which it only waits for up to 10 s.
 */
const MIGRATION_LOCK_KEY = 7_265_843_110;

/**
 * Applies the pending migrations of prisma/migrations, with Prisma's bookkeeping in
 * `_prisma_migrations`. Instances that start together queue on a PostgreSQL advisory lock, so exactly
 * one of them migrates and the others then find nothing left to do.
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url });
  // A connection lost mid-migration fails the pending query; without a listener it would crash the process.
  lock.on("error", () => {});
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const migrationsList = await readMigrations();
    if (await allApplied(lock, migrationsList)) return [];
    // The engine takes Prisma's own advisory lock on this pool's connection and does not release it:
    // closing the pool does, so that `prisma migrate deploy` elsewhere is not blocked afterwards.
    const enginePool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const { appliedMigrationNames } = await withSchemaEngine(new PrismaPg(enginePool), (engine) =>
        engine.applyMigrations({ migrationsList, filters: noFilters }),
      );
      return appliedMigrationNames;
    } finally {
      await enginePool.end();
    }
  } finally {
    await lock.end();
  }
}

/**
 * Whether every migration of the folder is recorded as applied, so that a restart need not load the
 * engine (about half a second and 20 MB that the server would keep). Anything else, a failed or
 * unknown migration included, is left to the engine to apply or to explain.
 */
async function allApplied(client: pg.Client, { migrationDirectories }: MigrationList): Promise<boolean> {
  const { rows: table } = await client.query("SELECT to_regclass('_prisma_migrations') AS name");
  if (!table[0]?.name) return migrationDirectories.length === 0;
  const { rows } = await client.query<{ migration_name: string }>(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  );
  const applied = new Set(rows.map((row) => row.migration_name));
  return migrationDirectories.every((directory) => applied.has(directory.path));
}
