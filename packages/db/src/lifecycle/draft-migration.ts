import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MigrationList, SchemaContainer } from "@prisma/schema-engine-wasm";
import { paths } from "./paths.ts";
import { noFilters, readMigrations, readSchema, withSchemaEngine } from "./schema-engine.ts";

/** A Prisma schema and the migrations folder that should produce it. */
export interface PrismaSources {
  schema: string;
  migrations: string;
}

const repositorySources: PrismaSources = { schema: paths.schema, migrations: paths.migrations };

export interface SchemaDrift {
  /** As `prisma migrate diff --exit-code`: 0 when the migrations produce the schema, 2 when they fall short. */
  exitCode: number;
  /** The SQL that takes a database migrated by the folder to the schema; empty when there is none. */
  sql: string;
}

/** Thrown for a request `pnpm db:migration` cannot honour; the message says what to do instead. */
export class MigrationDraftError extends Error {}

const migrationName = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

/**
 * What the migrations lack to produce the schema, in the engine's own SQL: it applies every migration
 * to a throw-away in-memory PGlite database, then diffs that database against the schema.
 */
export async function diffMigrationsToSchema(sources: PrismaSources = repositorySources): Promise<SchemaDrift> {
  const [schema, migrationsList] = await Promise.all([readSchema(sources.schema), readMigrations(sources.migrations)]);
  return diff(schema, migrationsList);
}

export interface DraftedMigration {
  /** The migration folder's name, `<UTC yyyymmddHHMMSS>_<name>`. */
  name: string;
  /** The migration.sql just written. */
  file: string;
  sql: string;
}

/**
 * `pnpm db:migration <name>`: writes `<migrations>/<UTC yyyymmddHHMMSS>_<name>/migration.sql` in
 * Prisma's layout, holding what the schema has beyond the existing migrations. When they already
 * agree it writes nothing and returns undefined.
 */
export async function draftMigration(
  name: string,
  { sources = repositorySources, now = new Date() }: { sources?: PrismaSources; now?: Date } = {},
): Promise<DraftedMigration | undefined> {
  if (!migrationName.test(name)) {
    throw new MigrationDraftError(
      `"${name}" is not a migration name: use lower-case words joined by "_", such as add_email_nickname.`,
    );
  }
  const [schema, migrationsList] = await Promise.all([readSchema(sources.schema), readMigrations(sources.migrations)]);
  const folder = `${now.toISOString().replace(/\D/g, "").slice(0, 14)}_${name}`;
  const latest = migrationsList.migrationDirectories.at(-1)?.path;
  // Migrations apply in name order, so one that sorts first would run before the tables it alters.
  if (latest !== undefined && folder <= latest) {
    throw new MigrationDraftError(`${folder} would not sort after the latest migration, ${latest}: check the clock.`);
  }
  const { exitCode, sql } = await diff(schema, migrationsList);
  if (exitCode === 0) return undefined;
  const file = path.join(sources.migrations, folder, "migration.sql");
  await mkdir(path.dirname(file));
  await writeFile(file, sql);
  return { name: folder, file, sql };
}

async function diff(schema: SchemaContainer, migrationsList: MigrationList): Promise<SchemaDrift> {
  // Loaded on first use, so that starting the app never loads PGlite. PGlite rather than the real
  // server because introspection through adapter-pg fails on PostgreSQL's internal type "char".
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  const database = new PGlite();
  try {
    const result = await withSchemaEngine(
      new PrismaPGlite(database),
      async (engine) => {
        await engine.applyMigrations({ migrationsList, filters: noFilters });
        return engine.diff({
          from: { tag: "schemaDatasource", files: [schema], configDir: paths.repoRoot },
          to: { tag: "schemaDatamodel", files: [schema] },
          script: true,
          exitCode: true,
          filters: noFilters,
        });
      },
      schema,
    );
    return { exitCode: result.exitCode, sql: result.exitCode === 0 ? "" : (result.stdout ?? "") };
  } finally {
    await database.close();
  }
}
