import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  diffMigrationsToSchema,
  draftMigration,
  MigrationDraftError,
  paths,
  type PrismaSources,
} from "../src/lifecycle/index.ts";

const tempFolders: string[] = [];
afterAll(() => Promise.all(tempFolders.map((folder) => rm(folder, { recursive: true, force: true }))));

/** A copy of prisma/schema.prisma and prisma/migrations in a temp folder, so drafts never touch the real ones. */
async function copyOfSources({ addNicknameColumn }: { addNicknameColumn: boolean }): Promise<PrismaSources> {
  const folder = await mkdtemp(path.join(tmpdir(), "enroll-prisma-"));
  tempFolders.push(folder);
  const sources = { schema: path.join(folder, "schema.prisma"), migrations: path.join(folder, "migrations") };
  await cp(paths.migrations, sources.migrations, { recursive: true });
  const schema = await readFile(paths.schema, "utf8");
  const edited = addNicknameColumn ? schema.replace("model Email {\n", "model Email {\n  nickname String?\n") : schema;
  expect(edited !== schema).toBe(addNicknameColumn);
  await writeFile(sources.schema, edited);
  return sources;
}

async function migrationFolders(sources: PrismaSources) {
  const entries = await readdir(sources.migrations, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

// Each engine pass starts PGlite and the WASM engine: seconds alone, far more when the 2 cores are shared.
const enginePass = { timeout: 120_000 };

describe("diffMigrationsToSchema", enginePass, () => {
  it("finds the committed migrations in agreement with schema.prisma", async () => {
    const drift = await diffMigrationsToSchema();

    expect(
      drift,
      "prisma/schema.prisma differs from what prisma/migrations make: run `pnpm db:migration <name>` " +
        "(a snake_case name such as add_email_nickname) and commit the migration it writes",
    ).toEqual({ exitCode: 0, sql: "" });
  });

  it("reports exit code 2 and the missing SQL for a schema with one more column", async () => {
    const sources = await copyOfSources({ addNicknameColumn: true });

    const drift = await diffMigrationsToSchema(sources);

    expect(drift.exitCode).toBe(2);
    expect(drift.sql).toMatch(/ALTER TABLE "emails" ADD COLUMN\s+"nickname" TEXT;/);
  });
});

describe("draftMigration", enginePass, () => {
  const now = new Date("2099-01-02T03:04:05Z");

  it("writes the next migration folder, named by UTC time, with the SQL that adds the new column", async () => {
    const sources = await copyOfSources({ addNicknameColumn: true });
    const before = await migrationFolders(sources);

    const drafted = await draftMigration("add_email_nickname", { sources, now });

    expect(drafted?.name).toBe("20990102030405_add_email_nickname");
    expect(await migrationFolders(sources)).toEqual([...before, "20990102030405_add_email_nickname"]);
    const written = await readFile(
      path.join(sources.migrations, "20990102030405_add_email_nickname", "migration.sql"),
      "utf8",
    );
    expect(written).toMatch(/ALTER TABLE "emails" ADD COLUMN\s+"nickname" TEXT;/);
    expect(written).toBe(drafted?.sql);
    expect(await diffMigrationsToSchema(sources)).toEqual({ exitCode: 0, sql: "" });
  });

  it("writes nothing when the schema has not changed", async () => {
    const sources = await copyOfSources({ addNicknameColumn: false });
    const before = await migrationFolders(sources);

    expect(await draftMigration("nothing_new", { sources, now })).toBeUndefined();
    expect(await migrationFolders(sources)).toEqual(before);
  });

  it.each(["", "Add-Column", "add column", "_leading", "trailing_", "../escape"])(
    "refuses the name %j before looking at the schema",
    async (name) => {
      await expect(draftMigration(name, { sources: { schema: "/nowhere", migrations: "/nowhere" } })).rejects.toThrow(
        MigrationDraftError,
      );
    },
  );

  it("refuses a time that would sort the new migration before the latest one", async () => {
    const sources = await copyOfSources({ addNicknameColumn: true });
    const before = await migrationFolders(sources);

    await expect(draftMigration("too_early", { sources, now: new Date("2000-01-01T00:00:00Z") })).rejects.toThrow(
      /would not sort after the latest migration/,
    );
    expect(await migrationFolders(sources)).toEqual(before);
  });
});

describe("pnpm db:migration", () => {
  it("prints its usage and fails without a name", () => {
    const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const run = spawnSync(process.execPath, [cli, "migration"], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Usage: pnpm db:migration <name>");
  });
});
