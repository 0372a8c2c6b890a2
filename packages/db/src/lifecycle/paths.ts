import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export const paths = {
  repoRoot,
  schema: `${repoRoot}prisma/schema.prisma`,
  migrations: `${repoRoot}prisma/migrations`,
  /** Settings for `pnpm start`, `dev` and `db:migrate` (git-ignored; see .env.example). */
  envFile: `${repoRoot}.env`,
  /**
   * Where the embedded PostgreSQL keeps its data: EMBEDDED_POSTGRES_DATA_DIR, relative to the
   * repository's root unless absolute, or `.data/postgres` (git-ignored). Read when asked rather than
   * when this module loads, so that a value in `.env`, which run.ts loads after its imports, counts.
   */
  get embeddedData(): string {
    return path.resolve(repoRoot, process.env.EMBEDDED_POSTGRES_DATA_DIR || ".data/postgres");
  },
};
