import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaContainer, SchemaEngine } from "@prisma/schema-engine-wasm";
import { paths } from "./paths.ts";

/**
 * Prisma's own migration engine (its WASM build), talking to the database through a driver adapter,
 * loaded with `schema` (prisma/schema.prisma unless given).
 */
export async function withSchemaEngine<T>(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
  schema?: SchemaContainer,
): Promise<T> {
  // Loaded on first use: only migrating needs the engine, whose WebAssembly is large to compile.
  const { SchemaEngine } = await import("@prisma/schema-engine-wasm");
  const { path: schemaPath, content } = schema ?? (await readSchema());
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

export const noFilters = { externalTables: [], externalEnums: [] };

export async function readSchema(schemaPath = paths.schema): Promise<SchemaContainer> {
  return { path: schemaPath, content: await readFile(schemaPath, "utf8") };
}

/** The migrations folder in the shape the engine expects, as `prisma migrate` reads it. */
export async function readMigrations(baseDir = paths.migrations): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const directories = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const lockfilePath = path.join(baseDir, "migration_lock.toml");
  return {
    baseDir,
    lockfile: { path: lockfilePath, content: await readFile(lockfilePath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(baseDir, name, "migration.sql"), "utf8").then(
            (sql) => ({ tag: "ok" as const, value: sql }),
            (error: Error) => ({ tag: "error" as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}
