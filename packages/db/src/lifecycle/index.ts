export {
  diffMigrationsToSchema,
  draftMigration,
  MigrationDraftError,
  type DraftedMigration,
  type PrismaSources,
  type SchemaDrift,
} from "./draft-migration.ts";
export { DataFolderInUseError, startEmbeddedPostgres, takeBackStopSignals, type EmbeddedDatabase } from "./embedded.ts";
export { migrateDatabase } from "./migrate.ts";
export { paths } from "./paths.ts";
