/** `pnpm db:migration <name>`: drafts the next migration from the changes made to prisma/schema.prisma. */
import path from "node:path";
import { draftMigration, MigrationDraftError, paths } from "./lifecycle/index.ts";

const [command, name, ...extra] = process.argv.slice(2);
if (command !== "migration" || name === undefined || extra.length > 0) {
  console.error("Usage: pnpm db:migration <name>, with a snake_case name such as add_email_nickname");
  process.exit(1);
}

try {
  const drafted = await draftMigration(name);
  if (drafted) {
    console.log(`Wrote ${path.relative(paths.repoRoot, drafted.file)}:\n\n${drafted.sql}`);
  } else {
    console.log("prisma/schema.prisma and prisma/migrations already agree: no migration written.");
  }
} catch (error) {
  if (!(error instanceof MigrationDraftError)) throw error;
  console.error(error.message);
  process.exit(1);
}
