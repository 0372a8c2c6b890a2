export { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.ts";
export { migrateDatabase } from "./migrate.ts";
export { paths } from "./paths.ts";
