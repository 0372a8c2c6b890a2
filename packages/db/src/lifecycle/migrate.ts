import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
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
